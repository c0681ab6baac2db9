package org.jpac;

import static org.jpac.TestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.jpac.grad.StdConvGrads;
import org.junit.jupiter.api.Test;

/** Option and shape combinations found by fuzzing the API: each once wrote out of bounds, crashed or was refused. */
class ArgumentEdgesTest {

    /** Image n of a batch, as a batch of one. */
    private static Tensor image(Tensor t, int n) {
        long[] shape = t.shape().clone();
        int per = Math.toIntExact(t.numel() / shape[0]);
        shape[0] = 1;
        return Tensor.of(Arrays.copyOfRange(t.toArray(), n * per, (n + 1) * per), shape);
    }

    /**
     * Channel-wise kernels with a mask but without normalisation have one output mask per image: image n's
     * went to n * C planes further on (past the tensor's end for n >= 1).
     */
    @Test
    void aChannelWiseKernelsMaskOfEveryImageStaysInItsPlane() {
        PacOptions o = PacOptions.builder(3).padding(1).channelWise(true).build();
        long b = 3;
        long c = 8;
        try (Tensor guide = gaussian(1, b, c, 5, 4); Tensor mask = Tensor.allocate(b, 1, 5, 4);
             Tensor k = Tensor.allocate(b, c, 3, 3, 5, 4); Arena arena = Arena.ofConfined()) {
            float[] m = new float[Math.toIntExact(b * 20)];
            for (int i = 0; i < m.length; i++) {
                m[i] = i % 3 == 0 ? 0f : 1f;
            }
            mask.copyFrom(m);
            long planes = b * 20;
            MemorySegment seg = arena.allocate(ValueLayout.JAVA_FLOAT, planes * c); // room for the old stride
            seg.fill((byte) 0x7f); // a sentinel where nothing may be written
            Tensor outMask = Tensor.wrap(seg.asSlice(0, planes * Float.BYTES), b, 1, 1, 1, 5, 4);
            Pac.kernel2dInto(guide, null, null, null, mask, o, k, outMask);
            for (long i = planes; i < planes * c; i++) {
                assertEquals(0x7f7f7f7f, seg.getAtIndex(ValueLayout.JAVA_INT, i), "wrote past the mask at " + i);
            }
            float[] all = outMask.toArray();
            for (int n = 0; n < b; n++) {
                try (Tensor g1 = image(guide, n); Tensor m1 = image(mask, n);
                     Kernel2dResult one = Pac.kernel2d(g1, null, null, null, m1, o)) {
                    assertArrayEquals(one.outputMask().toArray(), Arrays.copyOfRange(all, n * 20, n * 20 + 20),
                            "image " + n + "'s mask");
                }
            }
            outMask.close();
        }
        // normalised each on its own: one mask per kernel channel, as libjpac computes it
        PacOptions norm = o.toBuilder().normalizeKernel(true).build();
        try (Tensor guide = gaussian(2, 2, 3, 5, 4); Tensor mask = Tensor.allocate(2, 1, 5, 4)) {
            mask.fill(1f);
            try (Kernel2dResult r = Pac.kernel2d(guide, null, null, null, mask, norm)) {
                assertArrayEquals(new long[] {2, 3, 1, 1, 5, 4}, r.outputMask().shape());
            }
        }
    }

    /** An axis with one output: a stride of 65535 gave oneDNN's backward data pass a crash (or minutes). */
    @Test
    void aHugeStrideWithOneOutputEqualsTheSmallestStrideThatGivesOne() {
        PacOptions huge = PacOptions.builder(3).stride(65535).padding(3).build();
        PacOptions small = PacOptions.builder(3).stride(7).padding(3).build();
        try (Tensor x = gaussian(3, 1, 2, 3, 3); Tensor w = gaussian(4, 2, 2, 3, 3);
             Tensor go = gaussian(5, 1, 2, 1, 1);
             StdConvGrads a = Pac.stdConv2dBackward(x, w, go, huge);
             StdConvGrads b = Pac.stdConv2dBackward(x, w, go, small)) {
            assertArrayEquals(b.gradInput().toArray(), a.gradInput().toArray());
            assertArrayEquals(b.gradWeight().toArray(), a.gradWeight().toArray());
        }
    }

    /** One inv parameter per channel given, the other from the kernel type: the constant takes its length. */
    @Test
    void aPerChannelInvParameterBesideOneFromTheType() {
        PacOptions o = PacOptions.builder(3).padding(1).kernelType("inv_0.5_0.8").channelWise(true).build();
        try (Tensor guide = gaussian(6, 1, 3, 5, 5); Tensor alpha = Tensor.of(new float[] {1f, 0.5f, 2f}, 3);
             Tensor lambda = Tensor.of(new float[] {0.8f, 0.8f, 0.8f}, 3);
             Kernel2dResult given = Pac.kernel2d(guide, alpha, null, null, null, o);
             Kernel2dResult both = Pac.kernel2d(guide, alpha, lambda, null, null, o)) {
            assertArrayEquals(both.kernel().toArray(), given.kernel().toArray());
        }
    }

    @Test
    void optionsBeyondLibjpacsLimitsAreRefusedWhenBuilt() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PacOptions.builder(257).build()).getMessage()
                .startsWith("kernelSize: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PacOptions.builder(3).stride(65536).build())
                .getMessage().startsWith("stride: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PacOptions.builder(3).padding(65536).build())
                .getMessage().startsWith("padding: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PacOptions.builder(3).dilation(65536).build())
                .getMessage().startsWith("dilation: "));
    }

    /** A padding that makes the output plane 2^31 pixels or more: refused before 8.6 GB of K are allocated. */
    @Test
    void anOutputPlaneBeyondLibjpacsLimitIsRefusedBeforeAllocating() {
        try (Tensor guide = Tensor.allocate(1, 1, 1, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pac.kernel2d(guide, PacOptions.builder(1).padding(23171).build()).close());
            assertTrue(e.getMessage().startsWith("guide: the output plane would be 46343x46343"), e.getMessage());
        }
    }

    /**
     * A transposed convolution at a stride far above its output (3000 x 3000 on a 2 x 1 input): 9 million
     * phase classes, all but 3000 empty, were built one by one (10 s); now the empty ones are skipped.
     */
    @Test
    void aTransposedConvolutionAtAHugeStrideSkipsItsEmptyPhases() {
        PacOptions o = PacOptions.builder(1).stride(3000).build();
        try (Tensor x = Tensor.of(new float[] {1f, 2f}, 1, 1, 2, 1);
             Tensor w = Tensor.of(new float[] {0.5f}, 1, 1, 1, 1); Tensor k = Tensor.allocate(1, 1, 1, 1, 3001, 1)) {
            k.fill(1f);
            Tensor out = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                    () -> Pac.convTranspose2d(x, k, w, null, o));
            try (out) {
                float[] v = out.toArray();
                assertEquals(3001, v.length);
                assertEquals(0.5f, v[0]);
                assertEquals(1f, v[3000]);
                assertEquals(0f, v[1500]);
            }
        }
    }
}
