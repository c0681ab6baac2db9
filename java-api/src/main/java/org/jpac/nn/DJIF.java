package org.jpac.nn;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.jpac.Tensor;

/**
 * The concatenation baseline of Li et al. (deep joint image filtering, no PAC),
 * as the reference's {@code DJIF(factor, channels=1, guide_channels=3,
 * fs=(9, 1, 5), ns_tg=(96, 48, 1), ns_f=(64, 32))}: the target (bilinearly
 * upsampled by {@code factor} when it is smaller than the guide) and the guide
 * each pass a three-layer branch ({@code branch_t}, {@code branch_g}: conv, ReLU,
 * conv, ReLU, conv, keys {@code .0 .2 .4}), their outputs are concatenated and a
 * third branch ({@code branch_joint}) gives the result.
 */
public class DJIF extends UpsamplerBase {

    private final Seq branchT;
    private final Seq branchG;
    private final Seq branchJoint;

    /** The reference's defaults: fs (9, 1, 5), ns_tg (96, 48, 1), ns_f (64, 32). */
    public DJIF(int factor, int channels, int guideChannels) {
        this(factor, channels, guideChannels, new int[] {9, 1, 5}, new int[] {96, 48, 1}, new int[] {64, 32}, null);
    }

    /**
     * The reference's defaults with one target channel and three guide channels.
     *
     * @param factor the upsampling factor
     */
    public DJIF(int factor) {
        this(factor, 1, 3);
    }

    /**
     * @param fs    the three (odd) filter sizes of every branch
     * @param nsTg  the filter counts of the target and guide branches
     * @param nsF   the first two filter counts of the joint branch (its last gives {@code channels})
     * @param seed  seed of the initial weights, or null for random
     */
    public DJIF(int factor, int channels, int guideChannels, int[] fs, int[] nsTg, int[] nsF, Long seed) {
        super(factor, channels, guideChannels);
        try {
            three(fs, 3, "fs");
            three(nsTg, 3, "nsTg");
            three(nsF, 2, "nsF");
            for (int f : fs) {
                if (f % 2 != 1) {
                    throw new IllegalArgumentException("fs: filter sizes must be odd, got " + Arrays.toString(fs));
                }
            }
            int[] pads = {fs[0] / 2, fs[1] / 2, fs[2] / 2};
            int sum = pads[0] + pads[1] + pads[2];
            int[] padsTg = {sum / 3, sum / 3, sum - 2 * (sum / 3)};
            SplittableRandom rng = seed == null ? new SplittableRandom() : new SplittableRandom(seed);
            branchT = own(branch(new int[] {channels, nsTg[0], nsTg[1], nsTg[2]}, fs, padsTg, rng));
            branchG = own(branch(new int[] {guideChannels, nsTg[0], nsTg[1], nsTg[2]}, fs, padsTg, rng));
            branchJoint = own(branch(new int[] {nsTg[2] * 2, nsF[0], nsF[1], channels}, fs, pads, rng));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static void three(int[] v, int n, String name) {
        if (v == null || v.length != n) {
            throw new IllegalArgumentException(name + ": expected " + n + " values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        for (int x : v) {
            if (x < 1) {
                throw new IllegalArgumentException(name + ": values must be >= 1, got " + Arrays.toString(v));
            }
        }
    }

    private static Seq branch(int[] ch, int[] fs, int[] pads, SplittableRandom rng) {
        Seq s = new Seq();
        try {
            for (int l = 0; l < 3; l++) {
                s.add(String.valueOf(2 * l), new Conv2d(ch[l], ch[l + 1], fs[l], pads[l], rng));
                if (l < 2) {
                    s.add(String.valueOf(2 * l + 1), Layer.RELU);
                }
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static final Set<String> ARGS = Set.of("factor", "channels", "guide_channels", "fs", "ns_tg", "ns_f");

    /** From the reference's constructor arguments. */
    public static DJIF fromArgs(ModelArgs a) {
        a.rejectUnknown(ARGS);
        return new DJIF(PacJointUpsample.factor(a), PacJointUpsample.channels(a, "channels", 1),
                PacJointUpsample.channels(a, "guide_channels", 3),
                list(a, "fs", new int[] {9, 1, 5}, ModelLimits.MAX_KERNEL_SIZE),
                list(a, "ns_tg", new int[] {96, 48, 1}, ModelLimits.MAX_CHANNELS),
                list(a, "ns_f", new int[] {64, 32}, ModelLimits.MAX_CHANNELS), null);
    }

    /** A list of three (or two) sizes, each in 1..max. */
    static int[] list(ModelArgs a, String key, int[] dflt, int max) {
        int[] v = a.getIntOrList(key, 1, max, 3);
        return v == null ? dflt : v;
    }

    @Override
    protected void collect(Map<String, Tensor> into, Set<String> optionalInto) {
        branchT.collect("branch_t.", into);
        branchG.collect("branch_g.", into);
        branchJoint.collect("branch_joint.", into);
    }

    @Override
    protected boolean strictSizes() {
        return false; // the target may come at low resolution or already upsampled
    }

    @Override
    protected Tensor guideFeatures(Tensor guide) {
        return branchG.forward(guide);
    }

    @Override
    protected Tensor forwardSingle(Tensor target, Tensor g, Tensor guide) {
        return forwardSingle(target, g, guide, null, "");
    }

    /** The forward pass; with a tape it saves what {@link #backwardSingle} needs. */
    @Override
    Tensor forwardSingle(Tensor target, Tensor g, Tensor guide, Tape tape, String key) {
        Tensor up = target.dim(3) < guide.dim(3) ? StdOps.resizeBilinearScale(target, factor) : null;
        try {
            Tensor t = up != null ? up : target;
            if (t.dim(2) != guide.dim(2) || t.dim(3) != guide.dim(3)) {
                throw new IllegalArgumentException("targetLow: " + target.dim(2) + "x" + target.dim(3)
                        + (up != null ? " upsampled by " + factor + " gives " + t.dim(2) + "x" + t.dim(3) + ", which"
                        : "") + " does not match the guide's " + guide.dim(2) + "x" + guide.dim(3));
            }
            if (tape != null) {
                tape.shape(key + "target", target.shape());
                if (up != null) {
                    tape.own(key + "up", up);
                }
            }
            try (Tensor ft = branchT.forward(t, tape, key + "t")) {
                Tensor cat = StdOps.concatChannels(ft, g);
                if (tape == null) {
                    try (cat) {
                        return branchJoint.forward(cat);
                    }
                }
                tape.own(key + "cat", cat);
                return branchJoint.forward(cat, tape, key + "j");
            }
        } finally {
            if (tape == null) {
                closeQuietly(up);
            }
        }
    }

    // ---- training ------------------------------------------------------------------

    @Override
    Tensor guideFeatures(Tensor guide, Tape tape) {
        return branchG.forward(guide, tape, "g");
    }

    @Override
    Tensor backwardSingle(Tape tape, String key, Tensor gradOut, GradAcc acc, boolean needTarget) {
        long ct = branchJointIn(tape, key) - tape.get("g").dim(1);
        try (Tensor gCat = branchJoint.backward(gradOut, tape, key + "j", acc, "branch_joint.", true)) {
            acc.add(GUIDE_FEATURES, StdOps.sliceChannels(gCat, ct, gCat.dim(1) - ct));
            boolean upsampled = tape.has(key + "up");
            try (Tensor gft = StdOps.sliceChannels(gCat, 0, ct)) {
                Tensor gt = branchT.backward(gft, tape, key + "t", acc, "branch_t.", needTarget);
                if (gt == null || !upsampled) {
                    return gt;
                }
                long[] ts = tape.shape(key + "target");
                try (gt) {
                    return StdOps.resizeBilinearBackward(gt, ts[2], ts[3], 1.0 / factor, 1.0 / factor);
                }
            }
        }
    }

    private static long branchJointIn(Tape tape, String key) {
        return tape.get(key + "cat").dim(1);
    }

    @Override
    Tensor guideBackward(Tape tape, Tensor gradFeatures, GradAcc acc, boolean needGuide) {
        return branchG.backward(gradFeatures, tape, "g", acc, "branch_g.", needGuide);
    }

    @Override
    void collectLearnable(Map<String, Tensor> into) {
        branchT.collectLearnable("branch_t.", into);
        branchG.collectLearnable("branch_g.", into);
        branchJoint.collectLearnable("branch_joint.", into);
    }
}
