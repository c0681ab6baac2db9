package org.jpac.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * What the joint upsampling networks share: factor / channels / guide channels,
 * the state dict gathered from their parts, argument checks, and running a
 * multi-channel target one channel at a time through the single-channel
 * network with the guide's features computed once.
 */
abstract class UpsamplerBase implements UpsamplingNetwork {

    protected final int factor;
    protected final int channels;
    protected final int guideChannels;
    private final List<AutoCloseable> parts = new ArrayList<>();
    private Map<String, Tensor> state;
    private Set<String> optional;
    private volatile boolean closed;

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

    public int channels() {
        return channels;
    }

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

    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
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
        long c = targetLow.dim(1);
        try (Tensor g = guideFeatures(guide)) {
            if (c == 1) {
                return forwardSingle(targetLow, g, guide);
            }
            Tensor[] outs = new Tensor[(int) c];
            try {
                for (int i = 0; i < c; i++) {
                    try (Tensor t = StdOps.sliceChannels(targetLow, i, 1)) {
                        outs[i] = forwardSingle(t, g, guide);
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
    }

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
