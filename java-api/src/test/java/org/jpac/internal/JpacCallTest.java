package org.jpac.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jpac.internal.ffi.JpacNative;
import org.jpac.internal.ffi.jpac_tensor;
import org.junit.jupiter.api.Test;

/** jpac_call's own checks: the operation, the tensor count, scalars, data beyond the count. */
class JpacCallTest {

    static {
        NativeCalls.ensureLoaded();
    }

    private static final MemorySegment N = MemorySegment.NULL;

    private static int call(int op, MemorySegment scalars, int count, MemorySegment tensors, MemorySegment d0,
                            MemorySegment d1, MemorySegment d15) {
        return JpacNative.jpac_call(op, N, scalars, count, tensors, d0, d1, N, N, N, N, N, N, N, N, N, N, N, N, N,
                d15);
    }

    @Test
    void rejectsBadCallsWithAMessage() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(16 * 4L);
            MemorySegment desc = a.allocate(jpac_tensor.layout(), 2);
            for (int i = 0; i < 2; i++) {
                MemorySegment t = jpac_tensor.asSlice(desc, i);
                jpac_tensor.ndim(t, 1);
                jpac_tensor.shape(t, 0, 16L);
            }
            int invalid = JpacNative.JPAC_ERR_INVALID_ARGUMENT();
            assertEquals(invalid, call(999, N, 1, desc, data, N, N));
            assertTrue(NativeCalls.lastError().startsWith("op: "), NativeCalls.lastError());
            assertEquals(invalid, call(JpacNative.JPAC_OP_RELU_FORWARD(), N, 3, desc, data, data, N));
            assertTrue(NativeCalls.lastError().startsWith("count: "), NativeCalls.lastError());
            assertEquals(invalid, call(JpacNative.JPAC_OP_RELU_FORWARD(), N, 2, desc, data, data, data));
            assertTrue(NativeCalls.lastError().startsWith("data15: "), NativeCalls.lastError());
            assertEquals(invalid, call(JpacNative.JPAC_OP_AXPBY(), N, 3, desc, data, N, N));
            assertTrue(NativeCalls.lastError().startsWith("scalars: "), NativeCalls.lastError());
            MemorySegment scalars = a.allocate(8 * 3L);
            scalars.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 0, 0.5);
            assertEquals(invalid, call(JpacNative.JPAC_OP_COPY_CHANNELS(), scalars, 2, desc, data, data, N));
            assertTrue(NativeCalls.lastError().contains("from must be an integer"), NativeCalls.lastError());
            assertEquals(0, call(JpacNative.JPAC_OP_NOOP(), N, 1, desc, data, N, N));
        }
    }
}
