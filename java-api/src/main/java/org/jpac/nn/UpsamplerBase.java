package org.jpac.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Device;
import org.jpac.PacLayer;
import org.jpac.Tensor;

/**
 * What the joint upsampling networks share: factor / channels / guide channels,
 * the state dict gathered from their parts, argument checks, and running a
 * multi-channel target one channel at a time through the single-channel
 * network with the guide's features computed once, and the training pass
 * ({@link TrainableUpsampler}): a {@link Tape} of what each layer's backward
 * needs, filled by {@link #forwardTrain} and consumed by {@link #backward},
 * whose per-network parts the subclasses implement (guide features, one
 * target channel, and their backward passes).
 */
abstract class UpsamplerBase implements TrainableUpsampler {

    /** GradAcc key of the gradient for the guide features (not a state-dict key). */
    static final String GUIDE_FEATURES = "\u0000guide-features";

    /** The upsampling factor. */
    protected final int factor;
    /** The target channels. */
    protected final int channels;
    /** The guide channels. */
    protected final int guideChannels;
    private final List<AutoCloseable> parts = new ArrayList<>();
    private Map<String, Tensor> state;
    private Set<String> optional;
    private volatile boolean closed;
    private Tape saved; // of the last forwardTrain, until backward

    UpsamplerBase(int factor, int channels, int guideChannels) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: must be >= 1, got " + factor);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels: must be >= 1, got " + channels);
        }
        if (guideChannels < 1) {
            throw new IllegalArgumentException("guideChannels: must be >= 1, got " + guideChannels);
        }
        this.factor = factor;
        this.channels = channels;
        this.guideChannels = guideChannels;
    }

    /** Registers a part to close with the network. */
    protected <T extends AutoCloseable> T own(T part) {
        parts.add(part);
        return part;
    }

    /** Adds the parts' tensors and ignorable keys, in state-dict order. */
    protected abstract void collect(Map<String, Tensor> into, Set<String> optionalInto);

    @Override
    public int factor() {
        return factor;
    }

    /** The target channels. */
    public int channels() {
        return channels;
    }

    /** The guide channels. */
    public int guideChannels() {
        return guideChannels;
    }

    @Override
    public synchronized Map<String, Tensor> parameters() {
        checkOpen();
        if (state == null) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            Set<String> o = new LinkedHashSet<>();
            collect(m, o);
            state = Collections.unmodifiableMap(m);
            optional = Collections.unmodifiableSet(o);
        }
        return state;
    }

    /** Moves every part's tensors to {@code device} (see {@link Network#to}); the state map is rebuilt. */
    @Override
    public synchronized void to(Device device) {
        checkOpen();
        for (AutoCloseable part : parts) {
            if (part instanceof Seq s) {
                s.to(device);
            } else if (part instanceof Layer l) {
                l.to(device);
            } else if (part instanceof PacLayer p) {
                p.to(device);
            } else {
                throw new UnsupportedOperationException(getClass().getSimpleName() + ": a part of type "
                        + part.getClass().getSimpleName() + " cannot move to " + device);
            }
        }
        state = null;
        optional = null;
    }

    @Override
    public Set<String> optionalKeys() {
        parameters();
        return optional;
    }

    /** Guide features shared by every channel of the target (closed after the forward). */
    protected abstract Tensor guideFeatures(Tensor guide);

    /** The network on a single-channel target [B, 1, h, w] with the guide's features. */
    protected abstract Tensor forwardSingle(Tensor target, Tensor guideFeatures, Tensor guide);

    /** Whether the guide must have {@code guideChannels} channels (else any number). */
    protected boolean checksGuideChannels() {
        return true;
    }

    /** Whether the guide must be exactly factor times the target's size. */
    protected boolean strictSizes() {
        return true;
    }

    private void checkInputs(Tensor targetLow, Tensor guide) {
        checkOpen();
        StdOps.nchw(targetLow, "targetLow");
        StdOps.nchw(guide, "guide");
        if (guide.dim(0) != targetLow.dim(0)) {
            throw new IllegalArgumentException("guide: batch " + guide.dim(0) + " differs from targetLow's "
                    + targetLow.dim(0));
        }
        if (checksGuideChannels() && guide.dim(1) != guideChannels) {
            throw new IllegalArgumentException("guide: expected " + guideChannels + " channels, got "
                    + StdOps.shape(guide));
        }
        if (channels != 1) {
            throw new IllegalArgumentException("targetLow: the reference runs a target one channel at a time, so "
                    + getClass().getSimpleName() + " must be built with channels=1 (it has channels=" + channels
                    + ")");
        }
        if (strictSizes() && (guide.dim(2) != targetLow.dim(2) * factor || guide.dim(3) != targetLow.dim(3) * factor)) {
            throw new IllegalArgumentException("guide: expected spatial size " + targetLow.dim(2) * factor + "x"
                    + targetLow.dim(3) * factor + " (factor " + factor + " times targetLow's " + targetLow.dim(2)
                    + "x" + targetLow.dim(3) + "), got " + StdOps.shape(guide));
        }
    }

    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        checkInputs(targetLow, guide);
        try (Tensor g = guideFeatures(guide)) {
            return perChannel(targetLow, t -> forwardSingle(t, g, guide));
        }
    }

    /** Runs {@code single} on each channel of the target and concatenates the results. */
    static Tensor perChannel(Tensor targetLow, java.util.function.Function<Tensor, Tensor> single) {
        long c = targetLow.dim(1);
        if (c == 1) {
            return single.apply(targetLow);
        }
        Tensor[] outs = new Tensor[(int) c];
        try {
            for (int i = 0; i < c; i++) {
                try (Tensor t = StdOps.sliceChannels(targetLow, i, 1)) {
                    outs[i] = single.apply(t);
                }
            }
            return StdOps.concatChannels(outs);
        } finally {
            for (Tensor t : outs) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    // ---- training ------------------------------------------------------------------

    /** The guide features, saving what {@link #guideBackward} needs in {@code tape}. */
    Tensor guideFeatures(Tensor guide, Tape tape) {
        throw notTrainable();
    }

    /**
     * {@link #forwardSingle(Tensor, Tensor, Tensor)} saving what
     * {@link #backwardSingle} needs under keys starting with {@code key}; the
     * target and the guide features stay open until the backward pass.
     */
    Tensor forwardSingle(Tensor target, Tensor g, Tensor guide, Tape tape, String key) {
        throw notTrainable();
    }

    /**
     * The backward of one channel's {@link #forwardSingle(Tensor, Tensor, Tensor, Tape, String)}:
     * returns the gradient for that target channel (null unless {@code needTarget}),
     * adds the parameters' gradients and the guide features' gradient (key
     * {@link #GUIDE_FEATURES}) to {@code acc}.
     */
    Tensor backwardSingle(Tape tape, String key, Tensor gradOut, GradAcc acc, boolean needTarget) {
        throw notTrainable();
    }

    /** The gradient for the guide (null unless {@code needGuide}) from the guide features' gradient. */
    Tensor guideBackward(Tape tape, Tensor gradFeatures, GradAcc acc, boolean needGuide) {
        throw notTrainable();
    }

    /** Adds the learnable parameters by state-dict key. */
    void collectLearnable(Map<String, Tensor> into) {
        throw notTrainable();
    }

    /** Why this network cannot be trained (e.g. the name of a batch-norm layer), or null. */
    String untrainable() {
        return null;
    }

    private UnsupportedOperationException notTrainable() {
        return new UnsupportedOperationException(getClass().getSimpleName() + " cannot be trained");
    }

    @Override
    public Map<String, Tensor> learnableParameters() {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        collectLearnable(m);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public synchronized Tensor forwardTrain(Tensor targetLow, Tensor guide) {
        checkInputs(targetLow, guide);
        String why = untrainable();
        if (why != null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be trained: " + why);
        }
        releaseSaved();
        Tape tape = new Tape();
        try {
            tape.shape("target", targetLow.shape());
            tape.shape("guide", guide.shape());
            Tensor g = tape.own("g", guideFeatures(guide, tape));
            int[] ch = {0};
            Tensor out = perChannel(targetLow, t -> {
                String key = "c" + ch[0]++ + ".";
                if (t != targetLow) {
                    t = tape.own(key + "target", t.copy());
                }
                return forwardSingle(t, g, guide, tape, key);
            });
            tape.shape("output", out.shape());
            saved = tape;
            return out;
        } catch (RuntimeException | Error e) {
            tape.close();
            throw e;
        }
    }

    @Override
    public synchronized UpsampleGrads backward(Tensor gradOutput, boolean inputGrads) {
        checkOpen();
        Tape tape = saved;
        if (tape == null) {
            throw new IllegalStateException("backward: no saved training forward (call forwardTrain first; "
                    + "backward releases what it saved)");
        }
        saved = null;
        try (tape; GradAcc acc = new GradAcc()) {
            StdOps.need(gradOutput, "gradOutput");
            long[] os = tape.shape("output");
            if (!java.util.Arrays.equals(gradOutput.shape(), os)) {
                throw new IllegalArgumentException("gradOutput: expected the output's shape "
                        + java.util.Arrays.toString(os) + ", got " + StdOps.shape(gradOutput));
            }
            long c = os[1];
            Tensor gTarget;
            if (c == 1) {
                gTarget = backwardSingle(tape, "c0.", gradOutput, acc, inputGrads);
            } else {
                Tensor[] parts = new Tensor[(int) c];
                try {
                    for (int i = 0; i < c; i++) {
                        try (Tensor gs = StdOps.sliceChannels(gradOutput, i, 1)) {
                            parts[i] = backwardSingle(tape, "c" + i + ".", gs, acc, inputGrads);
                        }
                    }
                    gTarget = inputGrads ? StdOps.concatChannels(parts) : null;
                } finally {
                    for (Tensor t : parts) {
                        closeQuietly(t);
                    }
                }
            }
            Tensor gGuide = null;
            Map<String, Tensor> params = new LinkedHashMap<>();
            try {
                Tensor gf = acc.take(GUIDE_FEATURES);
                try {
                    gGuide = gf == null ? null : guideBackward(tape, gf, acc, inputGrads);
                } finally {
                    closeQuietly(gf);
                }
                if (inputGrads && gGuide == null) {
                    gGuide = Tensor.allocate(gradOutput.device(), tape.shape("guide"));
                }
                for (Map.Entry<String, Tensor> e : learnableParameters().entrySet()) {
                    Tensor g = acc.take(e.getKey());
                    params.put(e.getKey(), g != null ? g : Tensor.zerosLike(e.getValue()));
                }
                return new UpsampleGrads(gTarget, gGuide, params);
            } catch (RuntimeException | Error e) {
                closeQuietly(gTarget);
                closeQuietly(gGuide);
                params.values().forEach(Tensor::close);
                throw e;
            }
        }
    }

    @Override
    public synchronized void releaseSaved() {
        if (saved != null) {
            saved.close();
            saved = null;
        }
    }

    /** Throws {@link IllegalStateException} if the network is closed. */
    protected void checkOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        releaseSaved();
        closed = true;
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@code closeable.close()} without a checked exception; for nullable tensors. */
    static void closeQuietly(Tensor t) {
        if (t != null) {
            t.close();
        }
    }
}
