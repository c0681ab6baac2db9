package org.jpac;

import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Random small configurations of every operation (geometry, kernel types,
 * smoothing, normalisation, masks) against the double-precision reference,
 * forward and backward. Each dynamic test names its seed and options.
 */
class ReferenceSweepTest {

    private static final int CASES = Integer.getInteger("jpac.sweep.cases", 12);
    private static final String[] TYPES = {"gaussian", "inv_0.5_0.8", "inv_0.3_1.5_asym", "inv_1_2_fixed"};

    private static PacOptions randomOptions(Random r, boolean transposed) {
        int k = 1 + 2 * r.nextInt(3);
        int s = 1 + r.nextInt(2);
        int d = 1 + r.nextInt(2);
        int p = r.nextInt(d * (k - 1) / 2 + 2);
        PacOptions.Builder b = PacOptions.builder(k, r.nextBoolean() ? k : 1 + 2 * r.nextInt(3))
                .stride(s, 1 + r.nextInt(2)).padding(p, r.nextInt(3)).dilation(d, 1 + r.nextInt(2))
                .kernelType(TYPES[r.nextInt(TYPES.length)]);
        if (transposed) {
            b.padding(Math.min(p, d * (k - 1)), 0).outputPadding(r.nextInt(s), 0);
        }
        return b.build();
    }

    private static SmoothKernel randomSmooth(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> SmoothKernel.GAUSSIAN;
            case 1 -> SmoothKernel.full(1 + 2 * r.nextInt(2));
            default -> SmoothKernel.NONE;
        };
    }

    private static Stream<DynamicTest> sweep(String op, java.util.function.BiConsumer<Random, StringBuilder> body) {
        return IntStream.range(0, CASES).mapToObj(seed -> {
            StringBuilder desc = new StringBuilder();
            Random probe = new Random(seed * 7919L + op.hashCode());
            body.accept(probe, desc.append("describe "));
            return DynamicTest.dynamicTest(op + " seed " + seed + ": " + desc, () ->
                    body.accept(new Random(seed * 7919L + op.hashCode()), null));
        });
    }

    @TestFactory
    Stream<DynamicTest> kernel2d() {
        return sweep("kernel2d", (r, desc) -> {
            boolean transposed = r.nextInt(4) == 0;
            PacOptions o = randomOptions(r, transposed).toBuilder().transposed(transposed)
                    .channelWise(r.nextInt(3) == 0).normalizeKernel(r.nextInt(3) == 0).build();
            SmoothKernel sk = randomSmooth(r);
            // windows wholly in the padding give 0/0 with a mask (NaN in the reference): keep them out
            boolean mask = !o.channelWise() && !transposed && r.nextInt(3) == 0
                    && o.padH() <= o.dilationH() * (o.kernelH() - 1) / 2
                    && o.padW() <= o.dilationW() * (o.kernelW() - 1) / 2;
            int h = 5 + r.nextInt(6);
            int w = 5 + r.nextInt(6);
            if (transposed) {
                // a size the transposed geometry reproduces exactly
                h = (int) o.transposedOutHeight(2 + r.nextInt(4));
                w = (int) o.transposedOutWidth(2 + r.nextInt(4));
            }
            if (desc != null) {
                desc.append(o).append(", smooth=").append(sk).append(mask ? ", mask" : "").append(", ")
                        .append(h).append('x').append(w);
                return;
            }
            if (o.outHeight(h) < 1 || o.outWidth(w) < 1) {
                return;
            }
            Harness.checkKernel2d(r, 1 + r.nextInt(2), 1 + r.nextInt(3), h, w, o, sk, mask);
        });
    }

    @TestFactory
    Stream<DynamicTest> convolutions() {
        return sweep("conv", (r, desc) -> {
            boolean transposed = r.nextBoolean();
            PacOptions o = randomOptions(r, transposed).toBuilder().sharedFilters(r.nextInt(4) == 0).build();
            int h = 4 + r.nextInt(5);
            int w = 4 + r.nextInt(5);
            boolean bias = r.nextBoolean();
            if (desc != null) {
                desc.append(transposed ? "transposed " : "").append(o).append(", ").append(h).append('x').append(w);
                return;
            }
            if (!transposed && (o.outHeight(h) < 1 || o.outWidth(w) < 1)) {
                return;
            }
            Harness.checkConv(r, 1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(3), h, w, o, transposed, bias);
        });
    }

    @TestFactory
    Stream<DynamicTest> guidedConvolutions() {
        return sweep("guided", (r, desc) -> {
            boolean transposed = r.nextBoolean();
            PacOptions o = randomOptions(r, transposed).toBuilder().sharedFilters(r.nextInt(4) == 0)
                    .normalizeKernel(r.nextInt(3) == 0).build();
            SmoothKernel sk = randomSmooth(r);
            int h = 4 + r.nextInt(5);
            int w = 4 + r.nextInt(5);
            boolean bias = r.nextBoolean();
            if (desc != null) {
                desc.append(transposed ? "transposed " : "").append(o).append(", smooth=").append(sk).append(", ")
                        .append(h).append('x').append(w);
                return;
            }
            if (!transposed && (o.outHeight(h) < 1 || o.outWidth(w) < 1)) {
                return;
            }
            Harness.checkGuidedConv(r, 1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(3), 1 + r.nextInt(3), h, w,
                    o, transposed, sk, bias);
        });
    }

    /**
     * Strided transposed PAC runs by output phase: strides up to 4, different
     * strides per axis, and phases that no tap reaches (dilation a multiple of
     * the stride: those outputs are the bias alone).
     */
    @Test
    void stridedTransposedPhases() {
        Random r = new Random(99);
        int[][] cases = {{3, 3, 3, 1}, {3, 2, 5, 2}, {4, 1, 7, 1}, {2, 2, 3, 3}}; // stride h, dilation h, k, stride w
        for (int[] c : cases) {
            for (int variant = 0; variant < 3; variant++) {
                PacOptions o = PacOptions.builder(c[2], c[2]).stride(c[0], c[3]).dilation(c[1], 1)
                        .padding(c[1] * (c[2] - 1) / 2, (c[2] - 1) / 2).outputPadding(c[0] - 1, 0)
                        .sharedFilters(variant == 1).normalizeKernel(variant == 2)
                        .kernelType(TYPES[variant]).build();
                Harness.checkConv(r, 2, 2, 3, 4, 5, o, true, true);
                Harness.checkGuidedConv(r, 1, 2, 3, 2, 5, 4, o, true, variant == 2 ? SmoothKernel.GAUSSIAN
                        : SmoothKernel.NONE, variant != 1);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> pooling() {
        return sweep("pool", (r, desc) -> {
            PacOptions o = randomOptions(r, false).toBuilder().channelWise(r.nextBoolean())
                    .normalizeKernel(r.nextInt(3) == 0).build();
            SmoothKernel sk = randomSmooth(r);
            boolean guided = r.nextBoolean();
            int h = 4 + r.nextInt(5);
            int w = 4 + r.nextInt(5);
            if (desc != null) {
                desc.append(guided ? "guided " : "").append(o).append(", smooth=").append(sk).append(", ")
                        .append(h).append('x').append(w);
                return;
            }
            if (o.outHeight(h) < 1 || o.outWidth(w) < 1) {
                return;
            }
            int c = 1 + r.nextInt(3);
            if (guided) {
                Harness.checkGuidedPool(r, 1 + r.nextInt(2), c, 1 + r.nextInt(3), h, w, o, sk);
            } else {
                Harness.checkPool(r, 1 + r.nextInt(2), c, h, w, o, o.channelWise());
            }
        });
    }
}
