package org.jpac.cuda;

import static org.jpac.cuda.EmulatedCuda.assertMatchesCpu;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.grad.StdConvGrads;
import org.jpac.nn.StdOps;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The standard operations on cuda:0 of the emulated backend against the CPU:
 * each forward and backward, odd sizes, and the plain convolution (the PAC
 * kernels with K = 1) at several strides, paddings and dilations.
 */
class StdOpsOnDeviceTest {

    private static Device cuda;

    @BeforeAll
    static void device() {
        cuda = EmulatedCuda.device();
    }

    private static Tensor random(long seed, long... shape) {
        return EmulatedCuda.gaussian(seed, shape);
    }

    /** op on the host tensors and on their device copies gives the same tensor. */
    private static void sameOnDevice(String what, Function<Tensor[], Tensor> op, Tensor... host) {
        Tensor[] dev = new Tensor[host.length];
        try {
            for (int i = 0; i < host.length; i++) {
                dev[i] = host[i] == null ? null : host[i].to(cuda);
            }
            try (Tensor expected = op.apply(host); Tensor actual = op.apply(dev)) {
                assertMatchesCpu(what, expected, actual);
            }
        } finally {
            for (Tensor t : dev) {
                if (t != null) {
                    t.close();
                }
            }
            for (Tensor t : host) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    @Test
    void plainConvolutionForwardMatchesTheCpu() {
        int[][] cases = { // ci, co, k, stride, padding, dilation, bias
            {3, 5, 3, 1, 1, 1, 1}, {4, 40, 5, 1, 2, 1, 0}, {6, 3, 1, 1, 0, 1, 1}, {2, 7, 3, 2, 1, 1, 1},
            {3, 4, 3, 1, 2, 2, 0}, {5, 70, 3, 1, 0, 1, 1},
            {3, 4, 7, 1, 3, 1, 1}, {2, 5, 9, 2, 4, 1, 0}, // above 25 taps: the untiled kernels
        };
        for (int[] c : cases) {
            String what = "conv2d ci " + c[0] + " co " + c[1] + " k " + c[2] + " stride " + c[3] + " pad " + c[4]
                    + " dil " + c[5];
            sameOnDevice(what, t -> StdOps.conv2d(t[0], t[1], t[2], c[3], c[4], c[5]),
                    random(1, 2, c[0], 13, 19), random(2, c[1], c[0], c[2], c[2]), c[6] == 1 ? random(3, c[1]) : null);
        }
    }

    @Test
    void plainConvolutionGradientsMatchTheCpu() {
        int[][] cases = {{3, 5, 3, 1, 1, 1}, {4, 6, 5, 1, 2, 1}, {2, 3, 3, 2, 1, 1}, {3, 2, 3, 1, 2, 2},
            {3, 4, 7, 1, 3, 1}, {2, 3, 9, 2, 4, 2}}; // the last two above 25 taps: the untiled kernels
        for (int[] c : cases) {
            String what = "conv2d backward ci " + c[0] + " co " + c[1] + " k " + c[2] + " stride " + c[3];
            try (Tensor x = random(4, 2, c[0], 11, 14); Tensor w = random(5, c[1], c[0], c[2], c[2]);
                 Tensor fwd = StdOps.conv2d(x, w, null, c[3], c[4], c[5]);
                 Tensor gy = random(6, fwd.shape());
                 StdConvGrads cpu = StdOps.conv2dBackward(x, w, gy, c[3], c[4], c[5]);
                 Tensor dx = x.to(cuda); Tensor dw = w.to(cuda); Tensor dgy = gy.to(cuda);
                 StdConvGrads dev = StdOps.conv2dBackward(dx, dw, dgy, c[3], c[4], c[5])) {
                assertMatchesCpu(what + ": input", cpu.gradInput(), dev.gradInput());
                assertMatchesCpu(what + ": weight", cpu.gradWeight(), dev.gradWeight());
                assertMatchesCpu(what + ": bias", cpu.gradBias(), dev.gradBias());
            }
        }
    }

    @Test
    void elementwiseAndChannelOpsMatchTheCpu() {
        sameOnDevice("relu", t -> StdOps.relu(t[0]), random(7, 2, 3, 5, 7));
        sameOnDevice("relu backward", t -> StdOps.reluBackward(t[0], t[1]), random(8, 2, 3, 5, 7),
                random(9, 2, 3, 5, 7));
        sameOnDevice("axpby", t -> StdOps.axpby(0.5, t[0], -2, t[1]), random(10, 3, 4, 9), random(11, 3, 4, 9));
        sameOnDevice("scale", t -> StdOps.scale(t[0], 3), random(12, 1, 2, 3, 4));
        sameOnDevice("axpby into x", t -> StdOps.axpbyInto(1, t[0], 1, t[1], t[0]).copy(), random(13, 1, 2, 6, 5),
                random(14, 1, 2, 6, 5));
        sameOnDevice("concat", t -> StdOps.concatChannels(t[0], t[1]), random(15, 2, 3, 5, 6),
                random(16, 2, 1, 5, 6));
        sameOnDevice("slice", t -> StdOps.sliceChannels(t[0], 1, 2), random(17, 2, 4, 5, 6));
        sameOnDevice("repeat", t -> StdOps.repeatChannels(t[0], 3), random(18, 2, 2, 3, 5));
        sameOnDevice("batch norm", t -> StdOps.batchNorm(t[0], t[1], t[2], t[3], t[4], 1e-5),
                random(19, 2, 3, 4, 5), random(20, 3), Tensor.of(new float[] {0.5f, 2f, 1f}, 3), random(21, 3),
                random(22, 3));
    }

    @Test
    void softmaxForwardAndBackwardMatchTheCpu() {
        for (boolean log : new boolean[] {false, true}) {
            String what = log ? "log-softmax" : "softmax";
            sameOnDevice(what, t -> log ? StdOps.logSoftmax(t[0]) : StdOps.softmax(t[0]), random(23, 2, 21, 7, 9));
            sameOnDevice(what + " backward", t -> {
                try (Tensor y = log ? StdOps.logSoftmax(t[0]) : StdOps.softmax(t[0])) {
                    return StdOps.softmaxBackward(y, t[1], log);
                }
            }, random(24, 2, 5, 7, 9), random(25, 2, 5, 7, 9));
        }
    }

    @Test
    void resizePoolAndCropMatchTheCpu() {
        sameOnDevice("resize to a size", t -> StdOps.resizeBilinear(t[0], 17, 11), random(26, 2, 3, 7, 5));
        sameOnDevice("resize by 4", t -> StdOps.resizeBilinearScale(t[0], 4), random(27, 1, 2, 5, 6));
        sameOnDevice("resize backward", t -> StdOps.resizeBilinearBackward(t[0], 5, 6, 0.25, 0.25),
                random(28, 1, 2, 20, 24));
        sameOnDevice("resize backward, sizes", t -> StdOps.resizeBilinearBackward(t[0], 7, 5, 0, 0),
                random(29, 2, 3, 17, 11));
        int[][] pools = {{3, 2, 1}, {4, 4, 2}, {2, 1, 0}, {5, 3, 2}};
        for (int[] p : pools) {
            String what = "avg pool k " + p[0] + " stride " + p[1] + " pad " + p[2];
            sameOnDevice(what, t -> StdOps.avgPool2d(t[0], p[0], p[1], p[2]), random(30, 2, 3, 13, 10));
            try (Tensor x = random(31, 2, 3, 13, 10); Tensor y = StdOps.avgPool2d(x, p[0], p[1], p[2])) {
                sameOnDevice(what + " backward", t -> StdOps.avgPool2dBackward(t[0], 13, 10, p[0], p[1], p[2]),
                        random(32, y.shape()));
            }
        }
        sameOnDevice("crop", t -> StdOps.crop(t[0], 2, 3, 5, 4), random(33, 2, 3, 9, 8));
        sameOnDevice("crop backward", t -> StdOps.cropBackward(t[0], 9, 8, 2, 3), random(34, 2, 3, 5, 4));
    }

    @Test
    void badArgumentsAreRefusedOnTheDeviceToo() {
        try (Tensor x = Tensor.allocate(cuda, 1, 2, 6, 6); Tensor w = Tensor.allocate(2, 2, 3, 3)) {
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                    () -> StdOps.conv2d(x, w, null, 1));
            assertTrue(mixed.getMessage().contains("weight"), mixed.getMessage());
            IllegalArgumentException window = assertThrows(IllegalArgumentException.class,
                    () -> StdOps.crop(x, 4, 0, 3, 3));
            assertTrue(window.getMessage().startsWith("top/left/h/w"), window.getMessage());
        }
    }
}
