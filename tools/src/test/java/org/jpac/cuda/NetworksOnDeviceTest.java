package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.DJIF;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.Network;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PairwiseKernel;
import org.jpac.nn.UpsamplingNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networks moved to cuda:0 of the emulated backend ({@link Network#to}) give the
 * CPU's outputs, and come back: PacJointUpsample (guided PAC^T upsampling, batch
 * norm, plain convolutions), DJIF with small and 9x9 filters, PacCRF with
 * guide projections.
 */
class NetworksOnDeviceTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    /** The network's output for the same inputs on the CPU, then on cuda:0, then on the CPU again. */
    private static void sameOnDevice(String what, UpsamplingNetwork net, Tensor low, Tensor guide) {
        try (net; low; guide; Tensor cpu = net.forward(low, guide)) {
            net.to(cuda);
            assertTrue(net.parameters().values().stream().allMatch(t -> t.device().equals(cuda)), what);
            try (Tensor dLow = low.to(cuda); Tensor dGuide = guide.to(cuda);
                 Tensor dev = net.forward(dLow, dGuide)) {
                assertMatchesCpu(what, cpu, dev);
            }
            net.to(Device.CPU);
            try (Tensor back = net.forward(low, guide)) {
                assertEquals(Device.CPU, back.device());
                org.junit.jupiter.api.Assertions.assertArrayEquals(cpu.toArray(), back.toArray(), what + " back");
            }
        }
    }

    @Test
    void pacJointUpsampleRunsOnTheDevice() {
        sameOnDevice("PacJointUpsample x4", PacJointUpsample.builder(4).seed(5).build(),
                EmulatedCuda.gaussian(1, 1, 1, 6, 5), EmulatedCuda.gaussian(2, 1, 3, 24, 20));
    }

    @Test
    void djifRunsOnTheDeviceWithSmallAndDefaultFilters() {
        sameOnDevice("DJIF x2, fs 5,1,3", DJIF.fromArgs(ModelArgs.parse("DJIF",
                        "{\"factor\": 2, \"fs\": [5, 1, 3], \"ns_tg\": [8, 4, 1], \"ns_f\": [8, 4]}")),
                EmulatedCuda.gaussian(3, 1, 1, 7, 6), EmulatedCuda.gaussian(4, 1, 3, 14, 12));
        // the default 9x9 filters: 81 taps, the untiled kernels
        sameOnDevice("DJIF x2, default 9x9", DJIF.fromArgs(ModelArgs.parse("DJIF",
                        "{\"factor\": 2, \"ns_tg\": [8, 4, 1], \"ns_f\": [8, 4]}")),
                EmulatedCuda.gaussian(3, 1, 1, 7, 6), EmulatedCuda.gaussian(4, 1, 3, 14, 12));
    }

    @Test
    void pacCrfRunsOnTheDevice() {
        List<PairwiseKernel> terms = List.of(new PairwiseKernel(5, 2, 1, CompatType.POTTS, false, 0.4),
                new PairwiseKernel(3, 3, 2, CompatType.POTTS, false, 0.2),
                new PairwiseKernel(3, 1, 1, CompatType.TWO_D, true, 0.3));
        try (PacCRF crf = PacCRF.builder(3, 3).finalOutput(CrfOutput.SOFTMAX).guideProjection(5)
                     .pairwiseKernels(terms).seed(7).build();
             Tensor unary = EmulatedCuda.gaussian(5, 2, 3, 13, 11); Tensor image = EmulatedCuda.gaussian(6, 2, 3, 13, 11);
             Tensor edge = PacCRF.createYXRGB(image, 4.0, 0.5); Tensor cpu = crf.forward(unary, edge)) {
            crf.to(cuda);
            try (Tensor dUnary = unary.to(cuda); Tensor dEdge = edge.to(cuda); Tensor dev = crf.forward(dUnary, dEdge)) {
                assertMatchesCpu("PacCRF", cpu, dev);
            }
            IllegalArgumentException hostInput = assertThrows(IllegalArgumentException.class,
                    () -> crf.forward(unary, edge));
            assertTrue(hostInput.getMessage().contains("cuda:0"), hostInput.getMessage());
            crf.to(Device.CPU);
            try (Tensor back = crf.forward(unary, edge)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(cpu.toArray(), back.toArray());
            }
        }
    }
}
