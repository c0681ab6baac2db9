package org.jpac.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.jpac.Grad;
import org.jpac.Pac;
import org.jpac.PacConvTranspose2d;
import org.jpac.Tensor;
import org.jpac.grad.GuidedConvGrads;

/**
 * Joint upsampling with pixel-adaptive transposed convolutions (paper Sec. 4),
 * as the reference's {@code PacJointUpsample(factor, channels=1, guide_channels=3,
 * n_t_layers=3, n_g_layers=3, n_f_layers=2, n_t_filters=32, n_g_filters=32,
 * n_f_filters=32, k_ch=16, f_sz_1=5, f_sz_2=5, t_bn=False, g_bn=False, u_bn=False,
 * f_bn=False)}:
 * <ul>
 * <li>{@code branch_t}: n_t_layers f_sz_1 convolutions on the low-resolution target
 *     ({@code conv1..}, optional {@code bn1..}, ReLU between);</li>
 * <li>{@code branch_g}: n_g_layers convolutions on the guide, the last giving
 *     k_ch channels per 2x step;</li>
 * <li>{@code up_convts.i}: log2(factor) PAC^T layers (f_sz_2, stride 2), each guided
 *     by its k_ch guide channels bilinearly resized to the step's output size,
 *     optional {@code up_bns.i}, then ReLU;</li>
 * <li>{@code branch_f}: n_f_layers convolutions giving the result.</li>
 * </ul>
 * Build with {@link #builder(int)}; {@link #fromArgs} takes the reference's
 * argument names. Weights start as PyTorch's defaults would (random; see
 * {@link Builder#seed}); load trained ones with {@link #loadStateDict}.
 */
public class PacJointUpsample extends UpsamplerBase {

    private final int kCh;
    private final int numUps;
    private final Seq branchT;
    private final Seq branchG;
    private final List<PacConvTranspose2d> upConvts = new ArrayList<>();
    private final List<BatchNorm2d> upBns = new ArrayList<>();
    private final Seq branchF;

    /**
     * Builds the network from a builder's arguments (for subclasses).
     *
     * @param b the arguments
     * @throws IllegalArgumentException if an argument is invalid
     */
    protected PacJointUpsample(Builder b) {
        super(b.factor, b.channels, b.guideChannels);
        try {
            if (b.nGLayers < 1) {
                throw new IllegalArgumentException("nGLayers: the guidance branch needs at least one layer, got "
                        + b.nGLayers);
            }
            if (b.nFLayers < 1) {
                throw new IllegalArgumentException("nFLayers: the final branch needs at least one layer, got "
                        + b.nFLayers);
            }
            if (b.nTLayers < 0) {
                throw new IllegalArgumentException("nTLayers: must be >= 0, got " + b.nTLayers);
            }
            if (Integer.bitCount(b.factor) != 1) {
                throw new IllegalArgumentException("factor: must be a power of 2, got " + b.factor);
            }
            if (b.fSz1 % 2 != 1 || b.fSz1 < 1) {
                throw new IllegalArgumentException("fSz1: filter size must be odd, got " + b.fSz1);
            }
            if (b.kCh < 1) {
                throw new IllegalArgumentException("kCh: must be >= 1, got " + b.kCh);
            }
            this.kCh = b.kCh;
            this.numUps = Integer.numberOfTrailingZeros(b.factor);
            int pad = b.fSz1 / 2;
            int[] tF = filters(b.nTFilters, b.nTLayers, "nTFilters");
            int[] gF = filters(b.nGFilters, b.nGLayers - 1, "nGFilters");
            int[] fF = filters(b.nFFilters, b.nFLayers + numUps - 1, "nFFilters");
            SplittableRandom rng = b.seed == null ? new SplittableRandom() : new SplittableRandom(b.seed);

            int[] tCh = concat(new int[] {channels}, tF);
            branchT = own(branch(tCh, b.fSz1, pad, b.tBn, rng));
            int[] gCh = concat(concat(new int[] {guideChannels}, gF), new int[] {kCh * numUps});
            branchG = own(branch(gCh, b.fSz1, pad, b.gBn, rng));

            int p = (b.fSz2 - 1) / 2;
            int op = b.fSz2 % 2;
            int[] fCh = concat(concat(new int[] {tCh[tCh.length - 1]}, fF), new int[] {channels});
            for (int l = 0; l < numUps; l++) {
                upConvts.add(own(PacConvTranspose2d.builder(fCh[l], fCh[l + 1], b.fSz2).stride(2).padding(p)
                        .outputPadding(op).seed(rng.nextLong()).build()));
                if (b.uBn) {
                    upBns.add(own(new BatchNorm2d(fCh[l + 1])));
                }
            }
            branchF = own(branch(Arrays.copyOfRange(fCh, numUps, fCh.length), b.fSz1, pad, b.fBn, rng));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A builder with the reference's defaults.
     *
     * @param factor the upsampling factor (a power of 2)
     * @return a new builder
     */
    public static Builder builder(int factor) {
        return new Builder(factor);
    }

    /** With the reference's defaults for every other option. */
    public PacJointUpsample(int factor) {
        this(new Builder(factor));
    }

    private static final Set<String> ARGS = Set.of("factor", "channels", "guide_channels", "n_t_layers",
            "n_g_layers", "n_f_layers", "n_t_filters", "n_g_filters", "n_f_filters", "k_ch", "f_sz_1", "f_sz_2",
            "t_bn", "g_bn", "u_bn", "f_bn");

    /** From the reference's constructor arguments (e.g. a golden file's {@code args}). */
    public static PacJointUpsample fromArgs(ModelArgs a) {
        a.rejectUnknown(ARGS);
        Builder b = builder(factor(a)).channels(channels(a, "channels", 1))
                .guideChannels(channels(a, "guide_channels", 3))
                .nTLayers(a.getInt("n_t_layers", 3, 0, ModelLimits.MAX_LAYERS))
                .nGLayers(a.getInt("n_g_layers", 3, 1, ModelLimits.MAX_LAYERS))
                .nFLayers(a.getInt("n_f_layers", 2, 1, ModelLimits.MAX_LAYERS))
                .kCh(channels(a, "k_ch", 16))
                .fSz1(a.getInt("f_sz_1", 5, 1, ModelLimits.MAX_KERNEL_SIZE))
                .fSz2(a.getInt("f_sz_2", 5, 1, ModelLimits.MAX_KERNEL_SIZE))
                .tBn(a.getBool("t_bn", false)).gBn(a.getBool("g_bn", false)).uBn(a.getBool("u_bn", false))
                .fBn(a.getBool("f_bn", false));
        filterArg(a, "n_t_filters", b::nTFilters, b::nTFilters);
        filterArg(a, "n_g_filters", b::nGFilters, b::nGFilters);
        filterArg(a, "n_f_filters", b::nFFilters, b::nFFilters);
        return b.build();
    }

    /** The {@code factor} argument, bounded as {@code --factor} is. */
    static int factor(ModelArgs a) {
        return a.requireInt("factor", 1, ModelLimits.MAX_FACTOR);
    }

    /** A channel or filter count argument, bounded by {@link ModelLimits#MAX_CHANNELS}. */
    static int channels(ModelArgs a, String key, int dflt) {
        return a.getInt(key, dflt, 1, ModelLimits.MAX_CHANNELS);
    }

    private static void filterArg(ModelArgs a, String key, java.util.function.IntConsumer one,
                                  java.util.function.Consumer<int[]> many) {
        // per-layer lists also cover the upsampling steps (at most log2 of the largest factor)
        int[] v = a.getIntOrList(key, 1, ModelLimits.MAX_CHANNELS, 2 * ModelLimits.MAX_LAYERS);
        if (v == null) {
            return;
        }
        if (a.isInt(key)) {
            one.accept(v[0]);
        } else {
            many.accept(v);
        }
    }

    /** An int (every layer) or a per-layer list of the given length. */
    private static int[] filters(int[] spec, int n, String name) {
        if (spec.length == 1 && spec[0] < 0) {
            int[] r = new int[n];
            Arrays.fill(r, -spec[0]);
            return r;
        }
        if (spec.length != n) {
            throw new IllegalArgumentException(name + ": expected " + n + " filter counts, got "
                    + Arrays.toString(spec));
        }
        for (int f : spec) {
            if (f < 1) {
                throw new IllegalArgumentException(name + ": filter counts must be >= 1, got " + Arrays.toString(spec));
            }
        }
        return spec.clone();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** conv1, [bn1], relu1, conv2, ... (no ReLU after the last conv). */
    private static Seq branch(int[] ch, int k, int pad, boolean bn, SplittableRandom rng) {
        Seq s = new Seq();
        try {
            for (int l = 0; l + 1 < ch.length; l++) {
                s.add("conv" + (l + 1), new Conv2d(ch[l], ch[l + 1], k, pad, rng));
                if (bn) {
                    s.add("bn" + (l + 1), new BatchNorm2d(ch[l + 1]));
                }
                if (l + 2 < ch.length) {
                    s.add("relu" + (l + 1), Layer.RELU);
                }
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The guide channels per 2x step (k_ch). */
    public int kCh() {
        return kCh;
    }

    /** The PAC^T layers ({@code up_convts.i}). */
    public List<PacConvTranspose2d> upConvts() {
        return List.copyOf(upConvts);
    }

    @Override
    protected void collect(Map<String, Tensor> into, Set<String> optionalInto) {
        branchT.collect("branch_t.", into);
        branchT.collectOptional("branch_t.", optionalInto);
        branchG.collect("branch_g.", into);
        branchG.collectOptional("branch_g.", optionalInto);
        for (int i = 0; i < upConvts.size(); i++) {
            for (Map.Entry<String, Tensor> e : upConvts.get(i).stateDict().entrySet()) {
                into.put("up_convts." + i + "." + e.getKey(), e.getValue());
            }
        }
        for (int i = 0; i < upBns.size(); i++) {
            upBns.get(i).collect("up_bns." + i + ".", into);
            upBns.get(i).collectOptional("up_bns." + i + ".", optionalInto);
        }
        branchF.collect("branch_f.", into);
        branchF.collectOptional("branch_f.", optionalInto);
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
        Tensor x = branchT.forward(target, tape, key + "t");
        try {
            for (int i = 0; i < numUps; i++) {
                Tensor next;
                Tensor gc = guideStep(g, i, stepScale(i));
                try {
                    PacConvTranspose2d up = upConvts.get(i);
                    next = Pac.convTranspose2dGuided(x, gc, up.invAlpha(), up.invLambda(), up.smoothKernel(),
                            up.weight(), up.bias(), up.options());
                    if (tape != null) {
                        tape.own(key + "gc" + i, gc);
                        tape.own(key + "x" + i, x);
                    }
                } finally {
                    if (tape == null) {
                        gc.close();
                        x.close();
                    }
                }
                x = next;
                if (!upBns.isEmpty()) {
                    next = upBns.get(i).forward(x);
                    x.close();
                    x = next;
                }
                next = StdOps.relu(x);
                if (tape != null) {
                    tape.own(key + "y" + i, x);
                } else {
                    x.close();
                }
                x = next;
            }
            Tensor out = branchF.forward(x, tape, key + "f");
            if (tape != null) {
                tape.own(key + "xf", x);
            } else {
                x.close();
            }
            return out;
        } catch (RuntimeException | Error e) {
            x.close();
            throw e;
        }
    }

    /** The bilinear scale of the guide features for PAC^T step i. */
    private double stepScale(int i) {
        return Math.pow(2, i + 1) / factor;
    }

    // ---- training ------------------------------------------------------------------

    @Override
    Tensor guideFeatures(Tensor guide, Tape tape) {
        return branchG.forward(guide, tape, "g");
    }

    @Override
    Tensor backwardSingle(Tape tape, String key, Tensor gradOut, GradAcc acc, boolean needTarget) {
        long[] fs = tape.get("g").shape();
        Tensor g = branchF.backward(gradOut, tape, key + "f", acc, "branch_f.", true);
        Tensor gFeat = Tensor.allocate(gradOut.device(), fs);
        try {
            for (int i = numUps - 1; i >= 0; i--) {
                Tensor gy;
                try {
                    gy = StdOps.reluBackward(tape.get(key + "y" + i), g);
                } finally {
                    g.close();
                    g = null;
                }
                PacConvTranspose2d up = upConvts.get(i);
                GuidedConvGrads r;
                try (gy) {
                    r = Pac.convTranspose2dGuidedBackward(tape.get(key + "x" + i), tape.get(key + "gc" + i),
                            up.invAlpha(), up.invLambda(), up.smoothKernel(), up.weight(), gy, up.options(),
                            needs(up));
                }
                try {
                    String p = "up_convts." + i + ".";
                    acc.add(p + "weight", r.gradWeight());
                    acc.add(p + "bias", r.gradBias());
                    acc.add(p + "inv_alpha", r.gradInvAlpha());
                    acc.add(p + "inv_lambda", r.gradInvLambda());
                    acc.add(p + "smooth_kernel", r.gradSmoothKernel());
                    g = r.gradInput();
                    double scale = stepScale(i);
                    try (Tensor gg = r.gradGuide()) {
                        if (scale == 1) {
                            StdOps.copyChannels(gg, 0, kCh, gFeat, (long) i * kCh);
                        } else {
                            try (Tensor gr = StdOps.resizeBilinearBackward(gg, fs[2], fs[3], 1.0 / scale,
                                    1.0 / scale)) {
                                StdOps.copyChannels(gr, 0, kCh, gFeat, (long) i * kCh);
                            }
                        }
                    }
                } catch (RuntimeException | Error e) {
                    r.close();
                    throw e;
                }
            }
            acc.add(GUIDE_FEATURES, gFeat);
            gFeat = null;
            return branchT.backward(g, tape, key + "t", acc, "branch_t.", needTarget);
        } finally {
            closeQuietly(g);
            closeQuietly(gFeat);
        }
    }

    /** The gradients a PAC^T step needs: input, guide, and the layer's learnable tensors. */
    private static Set<Grad> needs(PacConvTranspose2d up) {
        Set<Grad> n = EnumSet.of(Grad.INPUT, Grad.GUIDE);
        Map<String, Tensor> learn = up.parameters();
        if (learn.containsKey("weight")) {
            n.add(Grad.WEIGHT);
        }
        if (learn.containsKey("bias")) {
            n.add(Grad.BIAS);
        }
        if (learn.containsKey("inv_alpha")) {
            n.add(Grad.INV_ALPHA);
            n.add(Grad.INV_LAMBDA);
        }
        if (learn.containsKey("smooth_kernel")) {
            n.add(Grad.SMOOTH_KERNEL);
        }
        return n;
    }

    @Override
    Tensor guideBackward(Tape tape, Tensor gradFeatures, GradAcc acc, boolean needGuide) {
        return branchG.backward(gradFeatures, tape, "g", acc, "branch_g.", needGuide);
    }

    @Override
    void collectLearnable(Map<String, Tensor> into) {
        branchT.collectLearnable("branch_t.", into);
        branchG.collectLearnable("branch_g.", into);
        for (int i = 0; i < upConvts.size(); i++) {
            for (Map.Entry<String, Tensor> e : upConvts.get(i).parameters().entrySet()) {
                into.put("up_convts." + i + "." + e.getKey(), e.getValue());
            }
        }
        branchF.collectLearnable("branch_f.", into);
    }

    @Override
    String untrainable() {
        String s = branchT.untrainable("branch_t.");
        s = s != null ? s : branchG.untrainable("branch_g.");
        s = s != null ? s : upBns.isEmpty() ? null : "up_bns.0";
        s = s != null ? s : branchF.untrainable("branch_f.");
        return s == null ? null : "layer " + s + " has no backward pass (batch norm is inference-only)";
    }

    private Tensor guideStep(Tensor g, int i, double scale) {
        Tensor slice = StdOps.sliceChannels(g, (long) i * kCh, kCh);
        if (scale == 1) {
            return slice;
        }
        try (slice) {
            return StdOps.resizeBilinearScale(slice, scale);
        }
    }

    /** Options of {@link PacJointUpsample}, with the reference's defaults. */
    public static class Builder {
        final int factor;
        int channels = 1;
        int guideChannels = 3;
        int nTLayers = 3;
        int nGLayers = 3;
        int nFLayers = 2;
        int[] nTFilters = {-32};
        int[] nGFilters = {-32};
        int[] nFFilters = {-32};
        int kCh = 16;
        int fSz1 = 5;
        int fSz2 = 5;
        boolean tBn;
        boolean gBn;
        boolean uBn;
        boolean fBn;
        Long seed;

        /**
         * A builder with the reference's defaults (for subclasses).
         *
         * @param factor the upsampling factor (a power of 2)
         */
        protected Builder(int factor) {
            this.factor = factor;
        }

        /** The target channels (channels, default 1). */
        public Builder channels(int c) { channels = c; return this; }
        /** The guide channels (guide_channels, default 3). */
        public Builder guideChannels(int c) { guideChannels = c; return this; }
        /** The number of target-branch layers (n_t_layers, default 3). */
        public Builder nTLayers(int n) { nTLayers = n; return this; }
        /** The number of guidance-branch layers (n_g_layers, default 3). */
        public Builder nGLayers(int n) { nGLayers = n; return this; }
        /** The number of final-branch layers (n_f_layers, default 2). */
        public Builder nFLayers(int n) { nFLayers = n; return this; }

        /** The same filter count for every target-branch layer. */
        public Builder nTFilters(int n) { nTFilters = one(n, "nTFilters"); return this; }
        /** One filter count per target-branch layer (n_t_layers of them). */
        public Builder nTFilters(int... n) { nTFilters = many(n, "nTFilters"); return this; }
        /** The same filter count for every guidance-branch layer but the last. */
        public Builder nGFilters(int n) { nGFilters = one(n, "nGFilters"); return this; }
        /** One per guidance-branch layer but the last (n_g_layers - 1 of them). */
        public Builder nGFilters(int... n) { nGFilters = many(n, "nGFilters"); return this; }
        /** The same filter count for every PAC^T output and final-branch layer but the last. */
        public Builder nFFilters(int n) { nFFilters = one(n, "nFFilters"); return this; }
        /** One per PAC^T layer and final-branch layer but the last (n_f_layers + log2(factor) - 1). */
        public Builder nFFilters(int... n) { nFFilters = many(n, "nFFilters"); return this; }

        /** The guide channels per 2x step (k_ch, default 16). */
        public Builder kCh(int k) { kCh = k; return this; }
        /** The filter size of the target, guidance and final branches (f_sz_1, default 5). */
        public Builder fSz1(int f) { fSz1 = f; return this; }
        /** The filter size of the PAC^T layers (f_sz_2, default 5). */
        public Builder fSz2(int f) { fSz2 = f; return this; }
        /** Whether the target branch has batch norms (t_bn, default false). */
        public Builder tBn(boolean v) { tBn = v; return this; }
        /** Whether the guidance branch has batch norms (g_bn, default false). */
        public Builder gBn(boolean v) { gBn = v; return this; }
        /** Whether the PAC^T layers are followed by batch norms (u_bn, default false). */
        public Builder uBn(boolean v) { uBn = v; return this; }
        /** Whether the final branch has batch norms (f_bn, default false). */
        public Builder fBn(boolean v) { fBn = v; return this; }
        /** Seed of the initial weights (default: random). */
        public Builder seed(long s) { seed = s; return this; }

        private static int[] one(int n, String name) {
            if (n < 1) {
                throw new IllegalArgumentException(name + ": must be >= 1, got " + n);
            }
            return new int[] {-n};
        }

        private static int[] many(int[] n, String name) {
            for (int v : n) {
                if (v < 1) {
                    throw new IllegalArgumentException(name + ": filter counts must be >= 1, got "
                            + Arrays.toString(n));
                }
            }
            return n.clone();
        }

        /**
         * Builds the network, initialising its weights from the seed.
         *
         * @return the network
         * @throws IllegalArgumentException if an argument is invalid
         */
        public PacJointUpsample build() {
            return new PacJointUpsample(this);
        }
    }
}
