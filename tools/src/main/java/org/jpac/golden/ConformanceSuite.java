package org.jpac.golden;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.jpac.PacOptions;
import org.jpac.SmoothKernel;

/**
 * The conformance suite: seeded random configurations of every operation
 * (geometry, kernel types, smoothing, normalisation, masks, shared filters,
 * strided transposed phases), each run natively and checked against the
 * double-precision reference, forward and every gradient
 * ({@link Conformance}). {@code jpac verify} without a folder runs it on the
 * user's machine and backend; the tests run it as dynamic tests.
 */
public final class ConformanceSuite {

    /**
     * One seeded case of a family; {@link #run()} throws {@link AssertionError} on a mismatch.
     *
     * @param family the operation family
     * @param seed the case's seed
     * @param description the configuration, for messages
     * @param check runs the case
     */
    public record Case(String family, int seed, String description, Runnable check) {
        /**
         * Runs the check.
         *
         * @throws AssertionError on a mismatch
         */
        public void run() {
            check.run();
        }
    }

    /**
     * A family's outcome: how many cases passed, and the failures' messages.
     *
     * @param family the operation family
     * @param passed the number of cases that passed
     * @param failures the messages of the failed cases
     */
    public record FamilyResult(String family, int passed, List<String> failures) {
        /**
         * The number of failed cases.
         *
         * @return the failure count
         */
        public int failed() {
            return failures.size();
        }
    }

    private static final String[] TYPES = {"gaussian", "inv_0.5_0.8", "inv_0.3_1.5_asym", "inv_1_2_fixed"};

    /** Each family: a body that, given a seeded Random, either describes its case (desc non-null) or runs it. */
    private static final Map<String, BiConsumer<Random, StringBuilder>> FAMILIES = new LinkedHashMap<>();

    static {
        FAMILIES.put("kernel2d", ConformanceSuite::kernel2d);
        FAMILIES.put("conv", ConformanceSuite::conv);
        FAMILIES.put("guided", ConformanceSuite::guided);
        FAMILIES.put("pool", ConformanceSuite::pool);
        FAMILIES.put("transposed-phases", ConformanceSuite::transposedPhases);
    }

    private ConformanceSuite() {
    }

    /** The families, in order. */
    public static List<String> families() {
        return List.copyOf(FAMILIES.keySet());
    }

    /** Cases 0 .. count-1 of a family (the same on every machine). */
    public static List<Case> cases(String family, int count) {
        BiConsumer<Random, StringBuilder> body = FAMILIES.get(family);
        if (body == null) {
            throw new IllegalArgumentException("family: unknown '" + family + "' (known: " + families() + ")");
        }
        List<Case> cases = new ArrayList<>();
        for (int seed = 0; seed < count; seed++) {
            long s = seed * 7919L + family.hashCode();
            StringBuilder desc = new StringBuilder();
            body.accept(new Random(s), desc);
            cases.add(new Case(family, seed, desc.toString(), () -> body.accept(new Random(s), null)));
        }
        return cases;
    }

    /** Runs {@code count} cases of every family; {@code progress} gets one line per family. */
    public static List<FamilyResult> run(int count, Consumer<String> progress) {
        List<FamilyResult> results = new ArrayList<>();
        for (String f : families()) {
            int passed = 0;
            List<String> failures = new ArrayList<>();
            for (Case c : cases(f, count)) {
                try {
                    c.run();
                    passed++;
                } catch (AssertionError | RuntimeException e) {
                    failures.add(f + " seed " + c.seed() + " (" + c.description() + "): " + e.getMessage());
                }
            }
            FamilyResult r = new FamilyResult(f, passed, failures);
            results.add(r);
            progress.accept(String.format(java.util.Locale.ROOT, "%-18s %d passed, %d failed", f, passed,
                    r.failed()));
        }
        return results;
    }

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

    private static void kernel2d(Random r, StringBuilder desc) {
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
        Conformance.checkKernel2d(r, 1 + r.nextInt(2), 1 + r.nextInt(3), h, w, o, sk, mask);
    }

    private static void conv(Random r, StringBuilder desc) {
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
        Conformance.checkConv(r, 1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(3), h, w, o, transposed, bias);
    }

    private static void guided(Random r, StringBuilder desc) {
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
        Conformance.checkGuidedConv(r, 1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(3), 1 + r.nextInt(3), h, w,
                o, transposed, sk, bias);
    }

    private static void pool(Random r, StringBuilder desc) {
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
            Conformance.checkGuidedPool(r, 1 + r.nextInt(2), c, 1 + r.nextInt(3), h, w, o, sk);
        } else {
            Conformance.checkPool(r, 1 + r.nextInt(2), c, h, w, o, o.channelWise());
        }
    }

    /** Stride h, dilation h, kernel size, stride w of the strided transposed cases. */
    private static final int[][] PHASE_CASES = {{3, 3, 3, 1}, {3, 2, 5, 2}, {4, 1, 7, 1}, {2, 2, 3, 3}};

    /**
     * Strided transposed PAC runs by output phase: strides up to 4, different
     * strides per axis, and phases that no tap reaches (dilation a multiple of
     * the stride: those outputs are the bias alone). Seeds 0..11 cover every
     * stride case with each of three variants (plain, shared filters,
     * normalised with a smoothed kernel).
     */
    private static void transposedPhases(Random r, StringBuilder desc) {
        int pick = r.nextInt(PHASE_CASES.length * 3);
        int[] c = PHASE_CASES[pick % PHASE_CASES.length];
        int variant = pick / PHASE_CASES.length;
        PacOptions o = PacOptions.builder(c[2], c[2]).stride(c[0], c[3]).dilation(c[1], 1)
                .padding(c[1] * (c[2] - 1) / 2, (c[2] - 1) / 2).outputPadding(c[0] - 1, 0)
                .sharedFilters(variant == 1).normalizeKernel(variant == 2).kernelType(TYPES[variant]).build();
        if (desc != null) {
            desc.append("transposed ").append(o);
            return;
        }
        Conformance.checkConv(r, 2, 2, 3, 4, 5, o, true, true);
        Conformance.checkGuidedConv(r, 1, 2, 3, 2, 5, 4, o, true, variant == 2 ? SmoothKernel.GAUSSIAN
                : SmoothKernel.NONE, variant != 1);
    }
}
