package org.jpac.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Device;
import org.jpac.Tensor;

/**
 * A {@link PacCRF} whose mean-field steps each have their own parameters, as the
 * reference's {@code PacCRFLoose(channels, num_steps, final_output='log_Q',
 * perturbed_init=True, native_impl=False, fixed_weighting=False,
 * unary_weight=1.0, pairwise_kernels=None)}: step s is a one-step
 * {@code PacCRF} (output log_Q) started from the previous step's logQ (the
 * first from the unary). The edge kernels are computed once, by the first
 * step's messengers, and shared by all steps; then the final output is applied.
 *
 * <p>State-dict names: {@code steps.<s>.} followed by the PacCRF names
 * ({@code steps.0.unary_weight}, {@code steps.0.messengers.0.weight}, ...).
 */
public final class PacCRFLoose implements CrfNetwork {

    private final int channels;
    private final int numSteps;
    private final CrfOutput finalOutput;
    private final List<PacCRF> steps = new ArrayList<>();
    private boolean closed;

    private PacCRFLoose(PacCRF.Builder b) {
        if (b.numSteps < 1) {
            throw new IllegalArgumentException("numSteps: must be >= 1, got " + b.numSteps);
        }
        channels = b.channels;
        numSteps = b.numSteps;
        finalOutput = b.finalOutput;
        try {
            for (int s = 0; s < numSteps; s++) {
                PacCRF.Builder sb = PacCRF.builder(b.channels, 1).finalOutput(CrfOutput.LOG_Q)
                        .perturbedInit(b.perturbedInit).fixedWeighting(b.fixedWeighting)
                        .unaryWeight(b.unaryWeight).pairwiseKernels(b.kernels);
                if (b.seed != null) {
                    sb.seed(b.seed + s);
                }
                steps.add(sb.build());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Constructor arguments as for {@link PacCRF#builder}; {@code numSteps} is the
     * number of separately parameterised steps. Build with {@link Builder#build()}.
     */
    public static Builder builder(int channels, int numSteps) {
        return new Builder(PacCRF.builder(channels, numSteps));
    }

    /** From the reference's constructor arguments as JSON (see {@link PacCRF#fromArgs(String)}). */
    public static PacCRFLoose fromArgs(String json) {
        return fromArgs(ModelArgs.parse("PacCRFLoose", json));
    }

    /**
     * A CRF from the reference's constructor arguments (see {@link PacCRF#fromArgs(String)}).
     *
     * @param args the arguments
     * @return the CRF
     * @throws IllegalArgumentException if an argument is missing, of the wrong type or out of range
     */
    public static PacCRFLoose fromArgs(ModelArgs args) {
        return new PacCRFLoose(PacCRF.Builder.fromArgs(args));
    }

    /** Adds the same pairwise term to every step; returns this. */
    public PacCRFLoose addPairwiseKernel(PairwiseKernel k) {
        checkOpen();
        steps.forEach(s -> s.addPairwiseKernel(k));
        return this;
    }

    @Override
    public int channels() {
        return channels;
    }

    /** The number of mean-field steps, each with its own parameters. */
    public int numSteps() {
        return numSteps;
    }

    /** What the CRF returns. */
    public CrfOutput finalOutput() {
        return finalOutput;
    }

    /** The number of pairwise terms of each step. */
    public int numPairwiseKernels() {
        return steps.get(0).numPairwiseKernels();
    }

    /** Step s, a one-step PacCRF (owned by this CRF). */
    public PacCRF step(int s) {
        return steps.get(s);
    }

    /** The edge kernels, computed by the first step's messengers; the caller closes them. */
    public List<Tensor> edgeKernels(Tensor edgeFeat) {
        checkOpen();
        return steps.get(0).edgeKernels(edgeFeat);
    }

    @Override
    public Tensor forward(Tensor unary, Tensor edgeFeat) {
        checkOpen();
        List<Tensor> kernels = edgeKernels(edgeFeat);
        try {
            return forward(unary, kernels);
        } finally {
            PacCRF.closeAll(kernels);
        }
    }

    /**
     * As {@link #forward(Tensor, Tensor)} with edge kernels from {@link #edgeKernels}; the caller keeps them open.
     *
     * @param unary the unary {@code [B, L, H, W]}
     * @param edgeKernels the edge kernels, one per pairwise term
     * @return the output (the caller closes it)
     */
    public Tensor forward(Tensor unary, List<Tensor> edgeKernels) {
        checkOpen();
        Tensor logQ = unary;
        try {
            for (PacCRF s : steps) {
                Tensor next = s.meanField(unary, edgeKernels, logQ);
                if (logQ != unary) {
                    logQ.close();
                }
                logQ = next;
            }
            return finalOutput.apply(logQ);
        } finally {
            if (logQ != unary) {
                logQ.close();
            }
        }
    }

    /**
     * Gradients of {@link #forward(Tensor, Tensor)} for {@code gradOutput}: for
     * the unary, the edge features and every learnable parameter
     * ({@code steps.<s>.} keys). Runs the forward pass again, keeping what it needs.
     */
    @Override
    public CrfGrads gradients(Tensor unary, Tensor edgeFeat, Tensor gradOutput) {
        checkOpen();
        List<Tensor> kernels = edgeKernels(edgeFeat);
        List<CrfBackprop.StepTape> tapes = new ArrayList<>();
        Tensor logQ = unary.copy();
        Tensor g = null;
        try (GradAcc acc = new GradAcc()) {
            double[] uw = new double[numSteps];
            for (int s = 0; s < numSteps; s++) {
                PacCRF step = steps.get(s);
                step.checkMeanField(unary, kernels);
                uw[s] = step.unaryWeight();
                CrfBackprop.StepTape tape = new CrfBackprop.StepTape();
                tapes.add(tape);
                Tensor next = step.oneStep(unary, uw[s], logQ, kernels, unary.dim(2), unary.dim(3), tape);
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
                Tensor gIn = CrfBackprop.stepBackward(steps.get(s), unary, uw[s], tapes.get(s), kernels, g, acc,
                        "steps." + s + ".");
                g.close();
                g = gIn;
            }
            acc.add(CrfBackprop.UNARY_GRAD, g);
            g = null;
            CrfBackprop.edgeBackward(steps.get(0), edgeFeat, kernels, acc);
            return CrfBackprop.collectGrads(acc, edgeFeat, learnableParameters());
        } finally {
            logQ.close();
            if (g != null) {
                g.close();
            }
            tapes.forEach(CrfBackprop.StepTape::close);
            PacCRF.closeAll(kernels);
        }
    }

    /** Every parameter and buffer by state-dict key ({@code steps.<s>.} + the PacCRF keys). */
    @Override
    public Map<String, Tensor> parameters() {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int s = 0; s < steps.size(); s++) {
            String p = "steps." + s + ".";
            steps.get(s).parameters().forEach((k, v) -> m.put(p + k, v));
        }
        return m;
    }

    /** The learnable tensors only. */
    public Map<String, Tensor> learnableParameters() {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int s = 0; s < steps.size(); s++) {
            String p = "steps." + s + ".";
            steps.get(s).learnableParameters().forEach((k, v) -> m.put(p + k, v));
        }
        return m;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("PacCRFLoose is closed");
        }
    }

    /** Moves every step's CRF to {@code device} (see {@link PacCRF#to}). */
    @Override
    public void to(Device device) {
        checkOpen();
        steps.forEach(s -> s.to(device));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        steps.forEach(PacCRF::close);
    }

    @Override
    public String toString() {
        return "PacCRFLoose(categories=" + channels + ", num_steps=" + numSteps + ", final_output=" + finalOutput
                + ")";
    }

    /** Builder with the same arguments as {@link PacCRF.Builder}. */
    public static final class Builder {
        private final PacCRF.Builder b;

        private Builder(PacCRF.Builder b) {
            this.b = b;
        }

        /**
         * Sets what the CRF returns (default {@link CrfOutput#LOG_Q}).
         *
         * @param o the output choice
         * @return this builder
         * @throws NullPointerException if {@code o} is null
         */
        public Builder finalOutput(CrfOutput o) {
            b.finalOutput(o);
            return this;
        }

        /**
         * Sets what the CRF returns by the reference's name (log_Q, softmax or log_softmax).
         *
         * @param o the name
         * @return this builder
         */
        public Builder finalOutput(String o) {
            b.finalOutput(o);
            return this;
        }

        /**
         * Sets whether the compatibility weights start with small random noise (default true).
         *
         * @param v true to perturb
         * @return this builder
         */
        public Builder perturbedInit(boolean v) {
            b.perturbedInit(v);
            return this;
        }

        /**
         * Sets whether the unary and pairwise weights are constants rather than learnable (default false).
         *
         * @param v true for constants
         * @return this builder
         */
        public Builder fixedWeighting(boolean v) {
            b.fixedWeighting(v);
            return this;
        }

        /**
         * Sets the (initial) weight of every step's unary term (default 1).
         *
         * @param v the weight (finite)
         * @return this builder
         */
        public Builder unaryWeight(double v) {
            b.unaryWeight(v);
            return this;
        }

        /**
         * Adds a pairwise term to every step.
         *
         * @param k the term's specification
         * @return this builder
         * @throws NullPointerException if {@code k} is null
         */
        public Builder pairwiseKernel(PairwiseKernel k) {
            b.pairwiseKernel(k);
            return this;
        }

        /**
         * Adds pairwise terms to every step, in order.
         *
         * @param ks the terms' specifications
         * @return this builder
         * @throws NullPointerException if a term is null
         */
        public Builder pairwiseKernels(List<PairwiseKernel> ks) {
            b.pairwiseKernels(ks);
            return this;
        }

        /**
         * Seeds the parameter initialisation (default: random); step {@code i} uses seed {@code s + i}.
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            b.seed(s);
            return this;
        }

        /**
         * Builds the CRF.
         *
         * @return the CRF
         * @throws IllegalArgumentException if {@code numSteps} is below 1 or an argument is invalid
         */
        public PacCRFLoose build() {
            return new PacCRFLoose(b);
        }
    }
}
