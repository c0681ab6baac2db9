package org.jpac.nn;

/** What a CRF returns (the reference's {@code final_output}). */
public enum CrfOutput {
    /** The last step's logQ, unnormalised. */
    LOG_Q("log_Q"),
    /** softmax(logQ) over the labels. */
    SOFTMAX("softmax"),
    /** log_softmax(logQ) over the labels. */
    LOG_SOFTMAX("log_softmax");

    private final String ref;

    CrfOutput(String ref) {
        this.ref = ref;
    }

    /**
     * The reference's spelling: log_Q, softmax or log_softmax.
     *
     * @return the name
     */
    public String refName() {
        return ref;
    }

    /**
     * Parses the reference's spelling (log_Q, softmax or log_softmax; case-sensitive).
     *
     * @param s the name
     * @return the output choice
     * @throws NullPointerException if {@code s} is null
     * @throws IllegalArgumentException if {@code s} names no choice
     */
    public static CrfOutput parse(String s) {
        if (s == null) {
            throw new NullPointerException("finalOutput");
        }
        for (CrfOutput o : values()) {
            if (o.ref.equals(s)) {
                return o;
            }
        }
        throw new IllegalArgumentException("finalOutput: expected log_Q, softmax or log_softmax, got '" + s + "'");
    }

    /** Applies this choice to logQ; returns a new tensor (the caller closes it). */
    public org.jpac.Tensor apply(org.jpac.Tensor logQ) {
        return switch (this) {
            case LOG_Q -> logQ.copy();
            case SOFTMAX -> StdOps.softmax(logQ);
            case LOG_SOFTMAX -> StdOps.logSoftmax(logQ);
        };
    }

    /** Gradient for logQ from the gradient of {@code output = apply(logQ)}; a new tensor. */
    public org.jpac.Tensor backward(org.jpac.Tensor output, org.jpac.Tensor gradOutput) {
        return switch (this) {
            case LOG_Q -> gradOutput.copy();
            case SOFTMAX -> StdOps.softmaxBackward(output, gradOutput, false);
            case LOG_SOFTMAX -> StdOps.softmaxBackward(output, gradOutput, true);
        };
    }

    @Override
    public String toString() {
        return ref;
    }
}
