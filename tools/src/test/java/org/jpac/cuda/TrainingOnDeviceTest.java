package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.function.Supplier;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfGrads;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.DJIF;
import org.jpac.nn.JbuResidual;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PacJointUpsampleLite;
import org.jpac.nn.PairwiseKernel;
import org.jpac.nn.Sampling;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.nn.UpsampleGrads;
import org.jpac.train.Adam;
import org.jpac.train.Batch;
import org.jpac.train.MseLoss;
import org.jpac.train.Optimizer;
import org.jpac.train.Sgd;
import org.jpac.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training with the network on cuda:0 of the emulated backend: each network's gradients (every
 * parameter's, the target's and the guide's) equal the CPU's, DJIF's 9x9 layers on the untiled
 * kernels included; and {@link Trainer#update} (batch to the device, loss on a host copy, the
 * optimizer through host copies of the parameters) takes the same steps as on the CPU.
 */
class TrainingOnDeviceTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    @Test
    void networkGradientsOnTheDeviceEqualTheCpus() {
        sameGradients("PacJointUpsample x4", () -> PacJointUpsample.builder(4).channels(1).seed(3).build(), 4, 3);
        sameGradients("PacJointUpsampleLite x4", () -> new PacJointUpsampleLite(4, 1, 3, 5L), 4, 3);
        sameGradients("DJIF x2 (9x9 filters)", () -> new DJIF(2, 1, 3, new int[] {9, 1, 5}, new int[] {6, 4, 1},
                new int[] {6, 4}, 7L), 2, 3);
    }

    @Test
    void crfGradientsOnTheDeviceEqualTheCpus() {
        java.util.List<PairwiseKernel> terms = java.util.List.of(
                new PairwiseKernel(5, 2, 1, CompatType.POTTS, false, 0.4),
                new PairwiseKernel(3, 1, 1, CompatType.TWO_D, true, 0.3));
        PacCRF.Builder b = PacCRF.builder(3, 2).finalOutput(CrfOutput.SOFTMAX).guideProjection(5)
                .pairwiseKernels(terms).seed(4);
        try (PacCRF cpuCrf = b.build(); PacCRF devCrf = b.build();
             Tensor unary = EmulatedCuda.gaussian(5, 2, 3, 13, 11); Tensor image = EmulatedCuda.gaussian(6, 2, 3, 13, 11);
             Tensor edge = PacCRF.createYXRGB(image, 4.0, 0.5); Tensor go = EmulatedCuda.gaussian(7, 2, 3, 13, 11);
             CrfGrads g = cpuCrf.gradients(unary, edge, go)) {
            devCrf.to(cuda);
            try (Tensor dUnary = unary.to(cuda); Tensor dEdge = edge.to(cuda); Tensor dgo = go.to(cuda);
                 CrfGrads dg = devCrf.gradients(dUnary, dEdge, dgo)) {
                assertMatchesCpu("unary gradient", g.gradUnary(), dg.gradUnary());
                assertMatchesCpu("edge gradient", g.gradEdgeFeat(), dg.gradEdgeFeat());
                Map<String, Tensor> params = devCrf.learnableParameters();
                for (Map.Entry<String, Tensor> e : g.gradParams().entrySet()) {
                    // the scalar weights stay on the host (PacCRF.to), and so do their gradients
                    Tensor d = dg.gradParams().get(e.getKey());
                    assertEquals(params.get(e.getKey()).device(), d.device(), e.getKey());
                    try (Tensor onDevice = d.device().isCpu() ? d.to(cuda) : null) {
                        assertMatchesCpu(e.getKey(), e.getValue(), onDevice != null ? onDevice : d);
                    }
                }
            }
        }
    }

    /**
     * SGD with momentum for the parameters (linear in the gradients, so float rounding stays small);
     * Adam, which divides by the gradients' running size and so magnifies the rounding of near-zero
     * gradients, for the losses.
     */
    @Test
    void trainingStepsOnTheDeviceEqualTheCpus() {
        steps(new Sgd(0.05, 0.9), new Sgd(0.05, 0.9), true);
        steps(new Adam(1e-2), new Adam(1e-2), false);
    }

    private static void steps(Optimizer cpuOpt, Optimizer devOpt, boolean compareParameters) {
        try (TrainableUpsampler cpuNet = jbuResidual(); TrainableUpsampler devNet = jbuResidual();
             Batch batch = new Batch(EmulatedCuda.gaussian(2, 2, 3, 24, 20), EmulatedCuda.gaussian(3, 2, 1, 24, 20),
                     EmulatedCuda.gaussian(1, 2, 1, 6, 5))) {
            devNet.to(cuda);
            assertEquals(cuda, Trainer.deviceOf(devNet));
            for (int step = 0; step < 3; step++) {
                double cpuLoss = Trainer.update(cpuNet, cpuOpt, MseLoss.mse(), batch);
                double devLoss = Trainer.update(devNet, devOpt, MseLoss.mse(), batch);
                assertEquals(cpuLoss, devLoss, 1e-4 * (1 + Math.abs(cpuLoss)), "loss at step " + step);
            }
            if (compareParameters) {
                Map<String, Tensor> dev = devNet.learnableParameters();
                cpuNet.learnableParameters().forEach((k, v) -> assertMatchesCpu(k, v, dev.get(k)));
            }
        }
    }

    /** The bundled design: PacJointUpsample refining JBU (its JBU on host copies of device inputs). */
    private static TrainableUpsampler jbuResidual() {
        return new JbuResidual(PacJointUpsample.builder(4).channels(1).guideChannels(4).seed(9).build(),
                Sampling.CENTER);
    }

    private static void sameGradients(String what, Supplier<TrainableUpsampler> make, int factor, int guideChannels) {
        try (TrainableUpsampler cpuNet = make.get(); TrainableUpsampler devNet = make.get();
             Tensor low = EmulatedCuda.gaussian(1, 2, 1, 6, 5);
             Tensor guide = EmulatedCuda.gaussian(2, 2, guideChannels, 6L * factor, 5L * factor)) {
            devNet.to(cuda);
            try (Tensor out = cpuNet.forwardTrain(low, guide); Tensor go = EmulatedCuda.gaussian(3, out.shape());
                 UpsampleGrads g = cpuNet.backward(go, true);
                 Tensor dLow = low.to(cuda); Tensor dGuide = guide.to(cuda); Tensor dgo = go.to(cuda);
                 Tensor dOut = devNet.forwardTrain(dLow, dGuide); UpsampleGrads dg = devNet.backward(dgo, true)) {
                assertMatchesCpu(what + ": output", out, dOut);
                assertMatchesCpu(what + ": target gradient", g.gradTargetLow(), dg.gradTargetLow());
                assertMatchesCpu(what + ": guide gradient", g.gradGuide(), dg.gradGuide());
                assertEquals(g.gradParams().keySet(), dg.gradParams().keySet(), what);
                for (Map.Entry<String, Tensor> e : g.gradParams().entrySet()) {
                    assertMatchesCpu(what + ": " + e.getKey(), e.getValue(), dg.gradParams().get(e.getKey()));
                }
            }
        }
    }
}
