package org.jpac.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.RawCalls.RawTensor;
import org.junit.jupiter.api.Test;

/**
 * Thousands of native calls with random and nearly-valid arguments, bypassing
 * every Java check, to exercise the native layer's own validation. The JVM
 * must survive; every failure must be a known status with a message.
 * Each descriptor's memory always covers the shape it declares, so any crash
 * is a native bug.
 */
class NativeFuzzTest {

    private static final int ITERATIONS = 4000;

    /** Option fields in struct order: k h/w, stride h/w, pad h/w, dilation h/w, out pad h/w, type, asym, cw, norm, transposed, shared. */
    private static int[] validOptions(int k, int s, int p, int d, int op, int type, boolean cw, boolean norm,
                                      boolean transposed, boolean shared) {
        return new int[] {k, k, s, s, p, p, d, d, op, op, type, 0, cw ? 1 : 0, norm ? 1 : 0, transposed ? 1 : 0,
                shared ? 1 : 0};
    }

    /** Shapes of a consistent call of {@code fn} (null = NULL argument). */
    private static long[][] validShapes(String fn, Random r, int[] opt) {
        int k = opt[0], s = opt[2], p = opt[4], d = opt[6], op = opt[8];
        long b = 1 + r.nextInt(2), ci = 1 + r.nextInt(3), co = 1 + r.nextInt(3), cg = 1 + r.nextInt(3);
        long h = 4 + r.nextInt(4), w = 4 + r.nextInt(4);
        boolean inv = opt[10] == 1;
        boolean transposed = fn.contains("transpose");
        long ho = transposed ? (h - 1) * s - 2L * p + (long) d * (k - 1) + op + 1 : (h + 2L * p - (long) d * (k - 1) - 1) / s + 1;
        long wo = transposed ? (w - 1) * s - 2L * p + (long) d * (k - 1) + op + 1 : (w + 2L * p - (long) d * (k - 1) - 1) / s + 1;
        if (opt[15] == 1) {
            co = ci;
        }
        long[] in = {b, ci, h, w};
        long[] a = inv ? new long[] {1} : null;
        long[] sm = r.nextBoolean() ? new long[] {3, 3} : null;
        long[] kk = {b, 1, k, k, ho, wo};
        long[] wt = opt[15] == 1 ? new long[] {1, 1, k, k} : transposed ? new long[] {ci, co, k, k}
                : new long[] {co, ci, k, k};
        long[] bias = r.nextBoolean() ? new long[] {co} : null;
        long[] out = {b, co, ho, wo};
        long[] guide = transposed ? new long[] {b, cg, ho, wo} : new long[] {b, cg, h, w};
        long[] pooled = {b, ci, ho, wo};
        return switch (fn) {
            case "jpac_kernel2d_forward" -> new long[][] {guide, a, a, sm, null, {b, 1, k, k, ho, wo}, null};
            case "jpac_kernel2d_backward" -> new long[][] {guide, a, a, sm, null, {b, 1, k, k, ho, wo}, guide, a, a, sm};
            case "jpac_conv2d_forward", "jpac_conv_transpose2d_forward" -> new long[][] {in, kk, wt, bias, out};
            case "jpac_conv2d_backward", "jpac_conv_transpose2d_backward" ->
                    new long[][] {in, kk, wt, out, in, kk, wt, bias};
            case "jpac_pool2d_forward" -> new long[][] {in, kk, pooled};
            case "jpac_pool2d_backward" -> new long[][] {in, kk, pooled, in, kk};
            case "jpac_conv2d_guided_forward", "jpac_conv_transpose2d_guided_forward" ->
                    new long[][] {in, guide, a, a, sm, wt, bias, out};
            case "jpac_conv2d_guided_backward", "jpac_conv_transpose2d_guided_backward" ->
                    new long[][] {in, guide, a, a, sm, wt, out, in, guide, wt, bias, a, a, sm};
            case "jpac_pool2d_guided_forward" -> new long[][] {in, new long[] {b, cg, h, w}, a, a, sm, pooled};
            case "jpac_pool2d_guided_backward" -> new long[][] {in, new long[] {b, cg, h, w}, a, a, sm, pooled, in,
                    new long[] {b, cg, h, w}, a, a, sm};
            case "jpac_std_conv2d_forward" -> new long[][] {in, {co, ci, k, k}, bias, {b, co, ho, wo}};
            case "jpac_std_conv2d_backward" -> new long[][] {in, {co, ci, k, k}, {b, co, ho, wo}, in,
                    {co, ci, k, k}, bias};
            default -> throw new IllegalStateException(fn);
        };
    }

    private static long[] randomShape(Random r) {
        long[] s = new long[1 + r.nextInt(6)];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 + r.nextInt(5);
        }
        return s;
    }

    /** Changes one thing: a dimension, a rank, a NULL, or an option field. */
    private static void mutate(Random r, long[][] shapes, int[] opt) {
        int what = r.nextInt(5);
        int slot = r.nextInt(shapes.length);
        switch (what) {
            case 0 -> {
                if (shapes[slot] != null && shapes[slot].length > 0) {
                    int dim = r.nextInt(shapes[slot].length);
                    shapes[slot] = shapes[slot].clone();
                    shapes[slot][dim] = Math.max(1, shapes[slot][dim] + (r.nextBoolean() ? 1 : -1));
                }
            }
            case 1 -> shapes[slot] = shapes[slot] == null ? randomShape(r) : null;
            case 2 -> shapes[slot] = randomShape(r);
            default -> {
                int field = r.nextInt(opt.length);
                int[] choices = {-7, -1, 0, 1, 2, 3, 4, 5, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE};
                opt[field] = choices[r.nextInt(choices.length)];
            }
        }
    }

    @Test
    void randomCallsNeverCrashAndFailWithMessages() {
        Random r = new Random(20261125);
        List<String> fns = RawCalls.functions();
        Map<String, Integer> statuses = new TreeMap<>();
        int[] ks = {1, 3, 5};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(64 * 4, 64);
            for (int it = 0; it < ITERATIONS; it++) {
                String fn = fns.get(r.nextInt(fns.size()));
                int k = ks[r.nextInt(ks.length)];
                int s = 1 + r.nextInt(2);
                int d = 1 + r.nextInt(2);
                int[] opt = validOptions(k, s, r.nextInt(d * (k - 1) / 2 + 1), d, fn.contains("transpose")
                        ? r.nextInt(s) : 0, r.nextInt(2), false, r.nextBoolean(), fn.contains("transpose"),
                        fn.startsWith("jpac_conv") && r.nextInt(4) == 0);
                long[][] shapes = validShapes(fn, r, opt);
                int mode = r.nextInt(10);
                if (mode < 7) {
                    int n = 1 + r.nextInt(2);
                    for (int m = 0; m < n; m++) {
                        mutate(r, shapes, opt);
                    }
                } else if (mode < 9) {
                    for (int i = 0; i < shapes.length; i++) {
                        shapes[i] = r.nextInt(3) == 0 ? null : randomShape(r);
                    }
                }
                RawTensor[] args = new RawTensor[shapes.length];
                for (int i = 0; i < shapes.length; i++) {
                    args[i] = descriptor(r, shapes[i], small, arena);
                }
                int[] options = r.nextInt(50) == 0 ? null : opt;
                int st = RawCalls.call(fn, options, args);
                statuses.merge(st == 0 ? "OK" : org.jpac.JpacException.Status.of(st).name(), 1, Integer::sum);
                assertTrue(st >= 0 && st <= 5, fn + " returned unknown status " + st);
                if (st != 0) {
                    String msg = NativeCalls.lastError();
                    assertFalse(msg.isBlank(), fn + " failed (status " + st + ") with an empty message; options "
                            + Arrays.toString(options) + ", shapes " + Arrays.deepToString(shapes));
                }
            }
        }
        System.out.println("NativeFuzzTest statuses over " + ITERATIONS + " calls: " + statuses);
        assertTrue(statuses.getOrDefault("INVALID_ARGUMENT", 0) > ITERATIONS / 4, "too few rejections: " + statuses);
        assertTrue(statuses.getOrDefault("OK", 0) > 0, "no call succeeded: " + statuses);
    }

    /** A descriptor for a shape: usually real memory of that size, sometimes a bogus field. */
    private static RawTensor descriptor(Random r, long[] shape, MemorySegment small, Arena arena) {
        if (shape == null) {
            return null;
        }
        int bogus = r.nextInt(40);
        return switch (bogus) {
            case 0 -> new RawTensor(small, 0, 0, 0, new long[0]);                       // rank 0
            case 1 -> new RawTensor(small, 0, 0, 7, new long[] {1, 1, 1, 1, 1, 1});      // rank 7
            case 2 -> new RawTensor(small, 0, 0, -1, new long[0]);                      // negative rank
            case 3 -> new RawTensor(null, 0, 0, shape.length, shape);                   // NULL data
            case 4 -> new RawTensor(small, 0, 0, 4, new long[] {1, -2, 3, 4});          // negative dim
            case 5 -> new RawTensor(small, 9, 0, shape.length, shape);                  // unknown device
            case 6 -> new RawTensor(small, 0, 0, 4, new long[] {1, 0, 3, 3});           // empty
            default -> {
                long n = 1;
                for (long dim : shape) {
                    n *= dim;
                }
                yield new RawTensor(arena.allocate(Math.max(1, n) * 4, 64), 0, 0, shape.length, shape);
            }
        };
    }

    /** The mapping of native statuses to Java exceptions, through the typed internal layer. */
    @Test
    void nativeInvalidArgumentBecomesIllegalArgumentException() {
        PacOptions o = PacOptions.builder(3).padding(1).build();
        try (Tensor in = Tensor.allocate(1, 2, 5, 5); Tensor k = Tensor.allocate(1, 1, 3, 3, 5, 5);
             Tensor w = Tensor.allocate(4, 3, 3, 3); Tensor out = Tensor.allocate(1, 4, 5, 5)) {
            // channel mismatch between input (2) and weight (3): only native checks here
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NativeCalls.conv2dForward(o, false, in, k, w, null, out));
            assertFalse(e.getMessage().isBlank());
            assertEquals(e.getMessage(), NativeCalls.lastError());
        }
        try (Tensor in = Tensor.allocate(1, 2, 5, 5)) {
            NativeCalls.noop(in); // a valid tensor: no exception
        }
    }

    @Test
    void closedTensorIsCaughtBeforeTheNativeCall() {
        Tensor t = Tensor.allocate(1, 1, 3, 3).named("guide");
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeCalls.noop(t));
        assertTrue(e.getMessage().contains("guide"));
    }

    @Test
    void everyFunctionRejectsAllNullArguments() {
        List<String> failures = new ArrayList<>();
        for (String fn : RawCalls.functions()) {
            int st = RawCalls.call(fn, validOptions(3, 1, 1, 1, 0, 0, false, false, false, false),
                    new RawTensor[RawCalls.arity(fn)]);
            if (st != 1) {
                failures.add(fn + " -> " + st);
            }
        }
        assertEquals(List.of(), failures, "all-NULL tensors must give INVALID_ARGUMENT");
    }
}
