package org.jpac;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** Tensor: shapes, element access, wrapping, lifecycle (no native code needed). */
class TensorTest {

    @Test
    void allocateIsZeroFilledWithShape() {
        try (Tensor t = Tensor.allocate(2, 3, 4)) {
            assertArrayEquals(new long[] {2, 3, 4}, t.shape());
            assertEquals(3, t.rank());
            assertEquals(24, t.numel());
            assertEquals(24 * 4, t.segment().byteSize());
            for (float v : t.toArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void requireFiniteNamesTheCountAndTheFirstIndex() {
        try (Tensor t = Tensor.of(new float[] {0, 1, 2, 3, Float.NaN, Float.NEGATIVE_INFINITY}, 2, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.requireFinite("input"));
            assertEquals("input: 2 of 6 values are not finite (NaN or infinite), the first at [1, 1]", e.getMessage());
            t.setFlat(4, 4);
            t.setFlat(5, 5);
            assertSame(t, t.requireFinite("input"));
        }
        try (Tensor t = Tensor.of(new float[] {Float.POSITIVE_INFINITY}, 1)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.requireFinite(null)).getMessage()
                    .startsWith("Tensor[1]: 1 of 1 values"));
        }
        Tensor closed = Tensor.allocate(2);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.requireFinite("x"));
    }

    @Test
    void nativeMemoryThatCannotBeHadIsReportedWithWhatLimitsIt() {
        // 2^62 bytes: beyond any address space, so the allocation fails at once on every machine
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> Tensor.empty(1L << 60));
        String m = e.getMessage();
        assertTrue(m.contains("cannot allocate 4398046511104.0 MiB of native memory"), m);
        assertTrue(m.contains("not by -Xmx") && m.contains("input size"), m);
    }

    @Test
    void getSetRowMajor() {
        try (Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3)) {
            assertEquals(5f, t.get(1, 2));
            assertEquals(3f, t.get(1, 0));
            t.set(9f, 0, 1);
            assertEquals(9f, t.toArray()[1]);
            assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
            assertThrows(IllegalArgumentException.class, () -> t.get(1));
        }
    }

    @Test
    void ofChecksLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().startsWith("data:"), e.getMessage());
    }

    @Test
    void badShapes() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.allocate())
                .getMessage().startsWith("shape:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(1, 1, 1, 1, 1, 1, 1))
                .getMessage().startsWith("shape:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(2, 0))
                .getMessage().startsWith("shape:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(2, -3))
                .getMessage().startsWith("shape:"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tensor.allocate(1L << 40, 1L << 40)).getMessage().startsWith("shape:"));
    }

    @Test
    void wrapSharesMemoryWithoutCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4 * 8, 4);
            Tensor t = Tensor.wrap(seg, 2, 4);
            t.set(7f, 1, 3);
            assertEquals(7f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 7));
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 3f);
            assertEquals(3f, t.get(0, 0));
            t.close(); // detaches only
            assertEquals(7f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 7));
        }
    }

    @Test
    void wrapChecksSizeAlignmentAndHeap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(4 * 7, 4);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(small, 2, 4))
                    .getMessage().startsWith("segment:"));
            MemorySegment odd = arena.allocate(64, 8).asSlice(2, 32);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(odd, 2, 4))
                    .getMessage().contains("aligned"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.wrap(MemorySegment.ofArray(new float[8]), 2, 4)).getMessage().startsWith("segment:"));
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseNamesTheTensor() {
        Tensor t = Tensor.allocate(2, 2).named("weights");
        t.close();
        t.close();
        assertTrue(t.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.get(0, 0));
        assertTrue(e.getMessage().contains("weights") && e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, t::toArray);
        assertThrows(IllegalStateException.class, t::segment);
    }

    @Test
    void copyAndFill() {
        try (Tensor a = Tensor.allocate(3); Tensor b = Tensor.allocate(3)) {
            a.fill(2f);
            b.copyFrom(a);
            assertArrayEquals(new float[] {2, 2, 2}, b.toArray());
            try (Tensor c = b.copy()) {
                b.fill(0);
                assertArrayEquals(new float[] {2, 2, 2}, c.toArray());
            }
            assertThrows(IllegalArgumentException.class, () -> a.copyFrom(new float[2]));
        }
    }

    @Test
    void otherThreadsCanUseAnAllocatedTensor() throws Exception {
        try (Tensor t = Tensor.allocate(4)) {
            Thread th = new Thread(() -> t.set(5f, 2));
            th.start();
            th.join();
            assertEquals(5f, t.get(2));
        }
    }
}
