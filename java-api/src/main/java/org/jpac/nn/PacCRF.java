package org.jpac.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.jpac.Device;
import org.jpac.Tensor;

/**
 * Mean-field inference of a dense CRF with PAC pairwise terms (paper Sec. 5),
 * as the reference's {@code PacCRF(channels, num_steps, final_output='log_Q',
 * perturbed_init=True, native_impl=False, fixed_weighting=False,
 * unary_weight=1.0, pairwise_kernels=None)}.
 *
 * <p>Each step: {@code Q = softmax(logQ)} over the labels, then
 * {@code logQ = unary_weight * unary - sum_i w_i * msg_i(Q)}, starting from
 * {@code logQ = unary}. Term i's message is its messenger applied to Q (after
 * average pooling by its blur factor, then bilinearly upsampled back and
 * cropped), followed by its 1x1 compatibility conv for {@code 2d}. The edge
 * kernels K of the messengers are computed once per image from the edge
 * features and reused in every step.
 *
 * <p>State-dict names are the reference's: {@code unary_weight} (absent with
 * fixed weighting), {@code messengers.<i>.weight}, {@code compat.<i>.weight}
 * (2d terms), {@code pairwise_weights.<i>}; with {@link Builder#guideProjection}
 * (a jpac extension) also {@code guide_projections.<i>.weight} ({@link GuideProjections}).
 * Scalars are held as {@code [1]} tensors. The CRF owns its parameters ({@link #close}). {@link #gradients}
 * gives the backward pass. Not thread-safe while parameters are being changed.
 */
public final class PacCRF implements CrfNetwork {

    private final int channels;
    private final int numSteps;
    private final CrfOutput finalOutput;
    private final boolean perturbedInit;
    private final boolean fixedWeighting;
    private final double initUnaryWeight;
    private final Tensor unaryWeight;
    private final List<CrfPairwise> terms = new ArrayList<>();
    /** Learned guide-feature projections, one per term; null without them. */
    private final GuideProjections projections;
    private final SplittableRandom rng;
    private boolean closed;

    private PacCRF(Builder b) {
        if (b.channels < 1) {
            throw new IllegalArgumentException("channels: must be >= 1, got " + b.channels);
        }
        if (b.numSteps < 0) {
            throw new IllegalArgumentException("numSteps: must be >= 0, got " + b.numSteps);
        }
        if (!Double.isFinite(b.unaryWeight)) {
            throw new IllegalArgumentException("unaryWeight: must be finite, got " + b.unaryWeight);
        }
        channels = b.channels;
        numSteps = b.numSteps;
        finalOutput = b.finalOutput;
        perturbedInit = b.perturbedInit;
        fixedWeighting = b.fixedWeighting;
        initUnaryWeight = b.unaryWeight;
        rng = b.seed == null ? new SplittableRandom() : new SplittableRandom(b.seed);
        unaryWeight = fixedWeighting ? null : Tensor.of(new float[] {(float) b.unaryWeight}, 1).named("unary_weight");
        GuideProjections gp = null;
        try {
            gp = b.guideProjection > 0 ? new GuideProjections(b.guideProjection) : null;
        } catch (RuntimeException e) {
            if (unaryWeight != null) {
                unaryWeight.close();
            }
            throw e;
        }
        projections = gp;
        try {
            for (PairwiseKernel k : b.kernels) {
                addPairwiseKernel(k);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A builder with the reference's defaults.
     *
     * @param channels the number of labels
     * @param numSteps the number of mean-field steps
     * @return a new builder
     */
    public static Builder builder(int channels, int numSteps) {
        return new Builder(channels, numSteps);
    }

    /**
     * A CRF from the reference's constructor arguments as JSON (the golden
     * files' {@code args}): {@code channels}, {@code num_steps},
     * {@code final_output}, {@code perturbed_init}, {@code fixed_weighting},
     * {@code unary_weight}, {@code pairwise_kernels} (an object or a list of
     * {@code add_pairwise_kernel} argument objects); {@code native_impl} is ignored.
     */
    public static PacCRF fromArgs(String json) {
        return fromArgs(ModelArgs.parse("PacCRF", json));
    }

    /**
     * A CRF from the reference's constructor arguments (see {@link #fromArgs(String)}).
     *
     * @param args the arguments
     * @return the CRF
     * @throws IllegalArgumentException if an argument is missing, of the wrong type or out of range
     */
    public static PacCRF fromArgs(ModelArgs args) {
        return Builder.fromArgs(args).build();
    }

    /** Adds a pairwise term (the reference's {@code add_pairwise_kernel}); returns this. */
    public PacCRF addPairwiseKernel(PairwiseKernel k) {
        checkOpen();
        if (k == null) {
            throw new NullPointerException("pairwiseKernel");
        }
        CrfPairwise t = new CrfPairwise(channels, k, perturbedInit, fixedWeighting, rng);
        terms.add(t);
        if (projections != null) {
            projections.addTerm(t.needsEdgeKernel());
        }
        return this;
    }

    @Override
    public int channels() {
        return channels;
    }

    /** The number of mean-field steps. */
    public int numSteps() {
        return numSteps;
    }

    /** What the CRF returns. */
    public CrfOutput finalOutput() {
        return finalOutput;
    }

    /** Whether the unary and pairwise weights are constants rather than learnable parameters. */
    public boolean fixedWeighting() {
        return fixedWeighting;
    }

    /** The number of edge features the learned guide projections take, 0 without them. */
    public int guideProjection() {
        return projections == null ? 0 : projections.features();
    }

    /** The number of pairwise terms. */
    public int numPairwiseKernels() {
        return terms.size();
    }

    /** The pairwise terms' specifications, in order. */
    public List<PairwiseKernel> pairwiseKernels() {
        return terms.stream().map(t -> t.spec).toList();
    }

    /** The unary weight's current value. */
    public double unaryWeight() {
        checkOpen();
        return fixedWeighting ? initUnaryWeight : unaryWeight.getFlat(0);
    }

    /**
     * Runs {@code numSteps} mean-field steps. {@code unary [B, L, H, W]},
     * {@code edgeFeat [B, F, H, W]} (e.g. {@link #createYXRGB}). Returns the
     * final output ({@code [B, L, H, W]}, caller closes).
     */
    @Override
    public Tensor forward(Tensor unary, Tensor edgeFeat) {
        checkOpen();
        List<Tensor> kernels = edgeKernels(edgeFeat);
        try {
            return forward(unary, kernels);
        } finally {
            closeAll(kernels);
        }
    }

    /** As {@link #forward(Tensor, Tensor)} with edge kernels from {@link #edgeKernels}. */
    public Tensor forward(Tensor unary, List<Tensor> edgeKernels) {
        try (Tensor logQ = meanField(unary, edgeKernels, unary)) {
            return finalOutput.apply(logQ);
        }
    }

    /**
     * The edge kernel of each pairwise term (null for {@code na} terms), computed
     * on the edge features average-pooled by the term's blur factor (pooled once
     * per factor). The caller closes them.
     */
    public List<Tensor> edgeKernels(Tensor edgeFeat) {
        checkOpen();
        StdOps.nchw(edgeFeat, "edgeFeat");
        List<Tensor> out = new ArrayList<>(Collections.nCopies(terms.size(), (Tensor) null));
        Map<Integer, Tensor> pooled = new HashMap<>();
        try {
            for (int i = 0; i < terms.size(); i++) {
                CrfPairwise t = terms.get(i);
                if (!t.needsEdgeKernel()) {
                    continue;
                }
                Tensor feat = t.blur() == 1 ? edgeFeat
                        : pooled.computeIfAbsent(t.blur(), b -> BlurPool.down(edgeFeat, b));
                if (projections == null) {
                    out.set(i, t.edgeKernel(feat));
                } else {
                    try (Tensor projected = projections.project(i, feat)) {
                        out.set(i, t.edgeKernel(projected));
                    }
                }
            }
            return out;
        } catch (RuntimeException | Error e) {
            closeAll(out);
            throw e;
        } finally {
            closeAll(pooled.values());
        }
    }

    /**
     * {@code numSteps} mean-field steps from {@code logQ0}; returns the last
     * logQ (a new tensor) without applying the final output.
     */
    Tensor meanField(Tensor unary, List<Tensor> edgeKernels, Tensor logQ0) {
        checkOpen();
        checkMeanField(unary, edgeKernels);
        long h = unary.dim(2);
        long w = unary.dim(3);
        double uw = unaryWeight();
        Tensor logQ = logQ0.copy();
        try {
            for (int step = 0; step < numSteps; step++) {
                Tensor next = oneStep(unary, uw, logQ, edgeKernels, h, w);
                logQ.close();
                logQ = next;
            }
            return logQ;
        } catch (RuntimeException | Error e) {
            logQ.close();
            throw e;
        }
    }

    void checkMeanField(Tensor unary, List<Tensor> edgeKernels) {
        StdOps.nchw(unary, "unary");
        if (unary.dim(1) != channels) {
            throw new IllegalArgumentException("unary: expected " + channels + " channels, got "
                    + StdOps.shape(unary));
        }
        if (edgeKernels == null || edgeKernels.size() != terms.size()) {
            throw new IllegalArgumentException("edgeKernels: expected " + terms.size() + " kernels, got "
                    + (edgeKernels == null ? "null" : edgeKernels.size()));
        }
        for (int i = 0; i < terms.size(); i++) {
            if (terms.get(i).needsEdgeKernel() && edgeKernels.get(i) == null) {
                throw new NullPointerException("edgeKernels[" + i + "]: must not be null for a "
                        + terms.get(i).spec.compatType() + " term");
            }
        }
    }

    private Tensor oneStep(Tensor unary, double uw, Tensor logQ, List<Tensor> kernels, long h, long w) {
        return oneStep(unary, uw, logQ, kernels, h, w, null);
    }

    /** One mean-field step from logQ; with a tape, keeps what the backward pass needs in it. */
    Tensor oneStep(Tensor unary, double uw, Tensor logQ, List<Tensor> kernels, long h, long w,
                   CrfBackprop.StepTape tape) {
        Map<Integer, Tensor> qBlur = tape != null ? tape.qBlur : new HashMap<>();
        if (tape != null) {
            tape.pre = new Tensor[terms.size()];
            tape.message = new Tensor[terms.size()];
        }
        Tensor next = null;
        try {
            qBlur.put(1, StdOps.softmax(logQ));
            next = StdOps.scale(unary, uw);
            for (int i = 0; i < terms.size(); i++) {
                CrfPairwise t = terms.get(i);
                Tensor q = qBlur.get(1);
                Tensor qb = qBlur.computeIfAbsent(t.blur(), b -> BlurPool.down(q, b));
                Tensor pre = t.messenger(qb, kernels.get(i));
                Tensor m = pre;
                try {
                    if (t.compatWeight != null) {
                        m = t.compat(pre);
                    }
                    // Without blur the message is already full size: no copy.
                    Tensor msg = t.blur() == 1 ? m : BlurPool.up(m, t.blur(), h, w);
                    StdOps.axpbyInto(1, next, -t.weight(), msg, next);
                    if (tape != null && t.useParameter) {
                        tape.message[i] = msg == m ? m.copy() : msg;
                    } else if (msg != m) {
                        msg.close();
                    }
                } finally {
                    if (m != pre) {
                        m.close();
                    }
                    if (tape != null && t.compatWeight != null) {
                        tape.pre[i] = pre;
                    } else {
                        pre.close();
                    }
                }
            }
            return next;
        } catch (RuntimeException | Error e) {
            if (next != null) {
                next.close();
            }
            throw e;
        } finally {
            if (tape == null) {
                closeAll(qBlur.values());
            }
        }
    }

    // ---- backward ---------------------------------------------------------------------

    /**
     * Gradients of {@link #forward(Tensor, Tensor)} for {@code gradOutput}, the
     * gradient of its output: for the unary, the edge features and every
     * learnable parameter. Runs the forward pass again, keeping what it needs.
     */
    @Override
    public CrfGrads gradients(Tensor unary, Tensor edgeFeat, Tensor gradOutput) {
        checkOpen();
        List<Tensor> kernels = edgeKernels(edgeFeat);
        List<CrfBackprop.StepTape> tapes = new ArrayList<>();
        Tensor logQ = unary.copy();
        Tensor g = null;
        try (GradAcc acc = new GradAcc()) {
            checkMeanField(unary, kernels);
            double uw = unaryWeight();
            for (int s = 0; s < numSteps; s++) {
                CrfBackprop.StepTape tape = new CrfBackprop.StepTape();
                tapes.add(tape);
                Tensor next = oneStep(unary, uw, logQ, kernels, unary.dim(2), unary.dim(3), tape);
                logQ.close();
                logQ = next;
            }
            try (Tensor out = finalOutput.apply(logQ)) {
                StdOps.need(gradOutput, "gradOutput");
                if (!java.util.Arrays.equals(gradOutput.shape(), out.shape())) {
                    throw new IllegalArgumentException("gradOutput: expected the output's shape "
                            + StdOps.shape(out) + ", got " + StdOps.shape(gradOutput));
                }
                g = finalOutput.backward(out, gradOutput);
            }
            for (int s = numSteps - 1; s >= 0; s--) {
                Tensor gIn = CrfBackprop.stepBackward(this, unary, uw, tapes.get(s), kernels, g, acc, "");
                g.close();
                g = gIn;
            }
            acc.add(CrfBackprop.UNARY_GRAD, g);
            g = null;
            CrfBackprop.edgeBackward(this, edgeFeat, kernels, acc);
            return CrfBackprop.collectGrads(acc, edgeFeat, learnableParameters());
        } finally {
            logQ.close();
            if (g != null) {
                g.close();
            }
            tapes.forEach(CrfBackprop.StepTape::close);
            closeAll(kernels);
        }
    }

    /**
     * A new CRF like this one (steps, output, weighting, window sizes, compatibility)
     * whose pairwise terms have the given dilations, with a copy of this one's
     * parameter values: the same CRF for an image of another size. The caller closes it.
     *
     * @param dilations one per pairwise term, each at least 1
     * @throws IllegalArgumentException if the count does not match or a dilation is below 1
     */
    public PacCRF withDilations(List<Integer> dilations) {
        checkOpen();
        if (dilations == null || dilations.size() != terms.size()) {
            throw new IllegalArgumentException("dilations: expected " + terms.size() + " values, got "
                    + (dilations == null ? "null" : dilations.size()));
        }
        Builder b = builder(channels, numSteps).finalOutput(finalOutput).perturbedInit(false)
                .fixedWeighting(fixedWeighting).unaryWeight(unaryWeight()).guideProjection(guideProjection())
                .seed(0);
        for (int i = 0; i < terms.size(); i++) {
            b.pairwiseKernel(terms.get(i).spec.withDilation(dilations.get(i)));
        }
        PacCRF copy = b.build();
        try {
            Map<String, Tensor> mine = parameters();
            copy.parameters().forEach((k, v) -> v.copyFrom(mine.get(k)));
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * Moves the CRF to {@code device} (see {@link Network#to}): the tensors its messages and edge
     * kernels are computed with; the unary and pairwise weights, single numbers read by every call,
     * stay on the host. {@link #forward} then takes a unary and edge features on that device.
     */
    @Override
    public void to(Device device) {
        checkOpen();
        terms.forEach(t -> t.to(device));
        if (projections != null) {
            projections.to(device);
        }
    }

    /** The pairwise terms (for the backward pass). */
    List<CrfPairwise> terms() {
        return terms;
    }

    /** The guide projections (for the backward pass); null without them. */
    GuideProjections projections() {
        return projections;
    }

    /** Whether the unary weight is a learnable parameter. */
    boolean learnsUnaryWeight() {
        return unaryWeight != null;
    }

    // ---- state ----------------------------------------------------------------------

    /**
     * Every parameter and buffer (the fixed crf_pool filters) by the reference's
     * state-dict key, in its order. The CRF owns them.
     */
    @Override
    public Map<String, Tensor> parameters() {
        return state(false);
    }

    /** The learnable tensors only (the fixed crf_pool filters left out). */
    public Map<String, Tensor> learnableParameters() {
        return state(true);
    }

    private Map<String, Tensor> state(boolean learnableOnly) {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (unaryWeight != null) {
            m.put("unary_weight", unaryWeight);
        }
        List<Map<String, Tensor>> per = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            per.add(terms.get(i).state(i, learnableOnly));
        }
        for (String group : new String[] {"messengers.", "compat.", "pairwise_weights."}) {
            for (Map<String, Tensor> s : per) {
                s.forEach((k, v) -> {
                    if (k.startsWith(group)) {
                        m.put(k, v);
                    }
                });
            }
        }
        if (projections != null) {
            projections.putState(m);
        }
        return m;
    }


    // ---- edge features ----------------------------------------------------------------

    /**
     * Position and colour edge features as the reference's {@code create_YXRGB}:
     * {@code [B, 2 + C, H, W]} holding y / scaleSpace, x / scaleSpace, then the
     * image's channels / scaleColor. {@code image} is {@code [B, C, H, W]} or
     * {@code [C, H, W]}. Caller closes the result.
     */
    public static Tensor createYXRGB(Tensor image, double scaleSpace, double scaleColor) {
        return EdgeFeatures.yxrgb(image, new double[] {scaleSpace, scaleSpace}, new double[] {scaleColor});
    }

    /**
     * As {@link #createYXRGB(Tensor, double, double)} with separate scales:
     * {@code yxScale} = {y, x} (or one value for both), {@code rgbScale} one
     * value or one per channel; null means no scaling.
     */
    public static Tensor createYXRGB(Tensor image, double[] yxScale, double[] rgbScale) {
        return EdgeFeatures.yxrgb(image, yxScale, rgbScale);
    }

    // ---- lifecycle ----------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("PacCRF is closed");
        }
    }

    static void closeAll(Iterable<Tensor> ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (unaryWeight != null) {
            unaryWeight.close();
        }
        terms.forEach(CrfPairwise::close);
        if (projections != null) {
            projections.close();
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("PacCRF(categories=" + channels + ", num_steps=" + numSteps
                + ", final_output=" + finalOutput);
        if (perturbedInit) {
            s.append(", perturbed_init=True");
        }
        if (fixedWeighting) {
            s.append(", fixed_weighting=True");
        }
        if (projections != null) {
            s.append(", guide_projection=").append(projections.features());
        }
        if (!terms.isEmpty()) {
            s.append(", pairwise_kernels=(").append(String.join(", ",
                    terms.stream().map(t -> t.spec.describe()).toList())).append(')');
        }
        return s.append(')').toString();
    }

    /** Constructor arguments, with the reference's defaults. */
    public static final class Builder {
        final int channels;
        final int numSteps;
        CrfOutput finalOutput = CrfOutput.LOG_Q;
        boolean perturbedInit = true;
        boolean fixedWeighting;
        double unaryWeight = 1.0;
        final List<PairwiseKernel> kernels = new ArrayList<>();
        int guideProjection;
        Long seed;

        private Builder(int channels, int numSteps) {
            this.channels = channels;
            this.numSteps = numSteps;
        }

        /**
         * Sets what the CRF returns (default {@link CrfOutput#LOG_Q}).
         *
         * @param o the output choice
         * @return this builder
         * @throws NullPointerException if {@code o} is null
         */
        public Builder finalOutput(CrfOutput o) {
            if (o == null) {
                throw new NullPointerException("finalOutput");
            }
            finalOutput = o;
            return this;
        }

        /**
         * Sets what the CRF returns by the reference's name (log_Q, softmax or log_softmax).
         *
         * @param o the name
         * @return this builder
         */
        public Builder finalOutput(String o) {
            return finalOutput(CrfOutput.parse(o));
        }

        /**
         * Sets whether the compatibility weights start with small random noise (default true).
         *
         * @param v true to perturb
         * @return this builder
         */
        public Builder perturbedInit(boolean v) {
            perturbedInit = v;
            return this;
        }

        /**
         * Sets whether the unary and pairwise weights are constants rather than learnable (default false).
         *
         * @param v true for constants
         * @return this builder
         */
        public Builder fixedWeighting(boolean v) {
            fixedWeighting = v;
            return this;
        }

        /**
         * Sets the (initial) weight of the unary term (default 1).
         *
         * @param v the weight (finite, checked by {@link #build})
         * @return this builder
         */
        public Builder unaryWeight(double v) {
            unaryWeight = v;
            return this;
        }

        /**
         * Adds a pairwise term.
         *
         * @param k the term's specification
         * @return this builder
         * @throws NullPointerException if {@code k} is null
         */
        public Builder pairwiseKernel(PairwiseKernel k) {
            if (k == null) {
                throw new NullPointerException("pairwiseKernel");
            }
            kernels.add(k);
            return this;
        }

        /**
         * Adds pairwise terms in order.
         *
         * @param ks the terms' specifications
         * @return this builder
         * @throws NullPointerException if a term is null
         */
        public Builder pairwiseKernels(List<PairwiseKernel> ks) {
            ks.forEach(this::pairwiseKernel);
            return this;
        }

        /**
         * Gives every term with an edge kernel a learned projection of the
         * {@code features} edge features, starting as the identity
         * ({@link GuideProjections}; a jpac extension, args key {@code guide_projection});
         * 0 (the default) for none.
         *
         * @param features the number of edge features (2 + the image's channels), or 0
         * @return this builder
         */
        public Builder guideProjection(int features) {
            guideProjection = features;
            return this;
        }

        /** Seed of the parameter initialisation (default: random). */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * Builds the CRF, initialising its parameters from the seed.
         *
         * @return the CRF
         * @throws IllegalArgumentException if an argument is invalid
         */
        public PacCRF build() {
            return new PacCRF(this);
        }

        /** A builder from the reference's keyword arguments (see {@link PacCRF#fromArgs(ModelArgs)}). */
        static Builder fromArgs(ModelArgs a) {
            a.rejectUnknown(Set.of("channels", "num_steps", "final_output", "perturbed_init", "native_impl",
                    "fixed_weighting", "unary_weight", "pairwise_kernels", "guide_projection"));
            Builder b = new Builder(a.requireInt("channels", 1, ModelLimits.MAX_CHANNELS),
                    a.requireInt("num_steps", 0, ModelLimits.MAX_CRF_STEPS))
                    .finalOutput(a.getString("final_output", "log_Q"))
                    .perturbedInit(a.getBool("perturbed_init", true))
                    .fixedWeighting(a.getBool("fixed_weighting", false))
                    .unaryWeight(a.getDouble("unary_weight", 1.0))
                    .guideProjection(a.getInt("guide_projection", 0, 0, ModelLimits.MAX_CHANNELS));
            Object pk = a.raw("pairwise_kernels");
            if (pk instanceof Map<?, ?> m) {
                // a single dict of add_pairwise_kernel arguments
                @SuppressWarnings("unchecked")
                Map<String, Object> one = (Map<String, Object>) m;
                b.pairwiseKernel(PairwiseKernel.fromArgs(new ModelArgs(a + ".pairwise_kernels", one)));
            } else {
                a.getObjectList("pairwise_kernels", ModelLimits.MAX_PAIRWISE_KERNELS)
                        .forEach(k -> b.pairwiseKernel(PairwiseKernel.fromArgs(k)));
            }
            return b;
        }
    }
}
