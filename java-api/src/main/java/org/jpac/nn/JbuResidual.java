package org.jpac.nn;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Placed;

/**
 * A joint upsampling network that refines joint bilateral upsampling, as PAC
 * refines a guided upsampling in the paper's joint upsampling experiments:
 * {@code u = JBU(targetLow, guide)} (jpac's defaults, samples placed by the
 * protocol, holes skipped), then
 * {@code out = net(filled(targetLow), [guide, u]) + u}. The wrapped network
 * sees the upsampling as one more guide channel, so its PAC layers are guided
 * by the image and by the depth that JBU proposes, and it predicts only the
 * correction. With its last layer at zero (as {@code jpac train} starts it) the
 * output is exactly JBU's, so training starts from the baseline rather than
 * from far above it.
 *
 * <p>Missing samples (NaN) are taken here: JBU leaves them out of its sums and
 * the wrapped network sees them filled ({@link DepthHoles#filled}). The wrapped
 * network must take {@code guide channels + 1} guide channels. Weight files
 * record this design as {@code target_residual: jbu} with a single
 * {@code sampling}; the state dict is the wrapped network's.
 *
 * <p>{@link #backward} gives the parameters' gradients; the input gradients
 * (through JBU's colour weights) are not implemented and are refused.
 *
 * <p>On a CUDA device ({@link #to}: the wrapped network moves), JBU and the hole
 * filling still run in Java on host copies of the inputs; the network and the
 * skip's sum run on the device.
 */
public final class JbuResidual extends ResidualUpsampler {

    /** The value of {@link BilinearResidual#METADATA_KEY} that marks this design. */
    public static final String METADATA_VALUE = "jbu";

    private final SampledJointBilateral jbu;
    private Tensor savedGuide;  // [guide, u] of the last forwardTrain, until backward
    private Tensor savedFilled; // the filled target of the last forwardTrain (null: the caller's)

    /**
     * Wraps {@code net}, which predicts the correction to JBU from the filled
     * target and the guide with the JBU upsampling appended.
     *
     * @param net the network that predicts the correction
     * @param sampling where the low-resolution samples sit (JBU places them so)
     * @throws NullPointerException if an argument is null
     */
    public JbuResidual(TrainableUpsampler net, Sampling sampling) {
        super(net);
        if (sampling == null) {
            throw new NullPointerException("sampling");
        }
        this.jbu = SampledJointBilateral.defaults(net.factor(), sampling);
    }

    /** Where JBU places the low-resolution samples. */
    public Sampling sampling() {
        return jbu.sampling();
    }

    /** Holes (NaN) are skipped by JBU and filled for the network here. */
    @Override
    public boolean skipsMissing() {
        return true;
    }

    @Override
    public Tensor forward(Tensor targetLow, Tensor guide) {
        StdOps.nchw(targetLow, "targetLow");
        // a target of several channels (flow) one channel at a time, as the network takes one
        return UpsamplerBase.perChannel(targetLow, t -> run(t, guide, false));
    }

    @Override
    public Tensor forwardTrain(Tensor targetLow, Tensor guide) {
        releaseSaved();
        return run(targetLow, guide, true);
    }

    private Tensor run(Tensor targetLow, Tensor guide, boolean train) {
        StdOps.nchw(targetLow, "targetLow");
        StdOps.nchw(guide, "guide");
        Tensor u = null;
        Tensor g = null;
        Tensor filled = null;
        Tensor out = null;
        try {
            // JBU and the hole filling are Java over host memory: on a CUDA device they run on
            // host copies, and their results go to the device for the network.
            Device at = targetLow.device();
            try (Placed hostLow = Placed.onCpu(targetLow); Placed hostGuide = Placed.onCpu(guide)) {
                u = Placed.movedTo(at, jbu.forward(hostLow.get(), hostGuide.get()));
                filled = DepthHoles.any(hostLow.get()) ? Placed.movedTo(at, DepthHoles.filled(hostLow.get())) : null;
            }
            g = StdOps.concatChannels(guide, u);
            Tensor t = filled != null ? filled : targetLow;
            out = train ? net.forwardTrain(t, g) : net.forward(t, g);
            StdOps.addInPlace(out, u);
            if (train) {
                savedGuide = g;
                savedFilled = filled;
                g = null;
                filled = null;
            }
            Tensor r = out;
            out = null;
            return r;
        } finally {
            StdOps.closeAll(u, g, filled, out);
        }
    }

    /**
     * The parameters' gradients for {@code gradOutput}; {@code inputGrads} must be false.
     *
     * @throws UnsupportedOperationException if input gradients are asked for
     */
    @Override
    public UpsampleGrads backward(Tensor gradOutput, boolean inputGrads) {
        if (inputGrads) {
            releaseSaved();
            throw new UnsupportedOperationException("inputGrads: JbuResidual gives the parameters' gradients only "
                    + "(the input gradients through JBU's colour weights are not implemented)");
        }
        if (savedGuide == null) {
            throw new IllegalStateException("backward: no forwardTrain to take the gradients of");
        }
        try {
            return net.backward(gradOutput, false);
        } finally {
            releaseSaved();
        }
    }

    @Override
    public void releaseSaved() {
        StdOps.closeAll(savedGuide, savedFilled);
        savedGuide = null;
        savedFilled = null;
        net.releaseSaved();
    }

    @Override
    public void close() {
        releaseSaved();
        net.close();
    }
}
