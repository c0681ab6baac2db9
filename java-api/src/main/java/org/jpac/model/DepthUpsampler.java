package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Outputs;
import org.jpac.internal.Placed;
import org.jpac.io.images.Image;
import org.jpac.nn.BilinearResidual;
import org.jpac.nn.DepthHoles;
import org.jpac.nn.Sampling;
import org.jpac.nn.Network;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.nn.UpsamplingNetwork;

/**
 * A joint depth (or any per-pixel field) upsampler ready to run: a trained
 * network with everything its weight file says about how to run it applied.
 *
 * <pre>{@code
 * try (DepthUpsampler up = DepthUpsampler.bundled(8);
 *      Tensor depth = up.upsample(guide, lowDepth)) {   // guide [1,3,H,W] in [0,1], lowDepth [1,1,H/8,W/8]
 *     ...
 * }
 * }</pre>
 *
 * <p>Applied from the weight file's metadata: the architecture and its
 * arguments ({@code model}, {@code args}, which include the factor), the
 * skip ({@code target_residual}: {@code bilinear}, or {@code jbu}: the network
 * refines joint bilateral upsampling, see {@link org.jpac.nn.JbuResidual}, placed
 * by the file's single {@code sampling}), the target scaling
 * ({@code target_scaling}: {@code minmax}, the default, maps each
 * channel of the low-resolution target to [0, 1] by its minimum and maximum
 * before the network and back after it, as the reference pipeline does;
 * {@code none} runs on the values as they are), and the sampling protocols the
 * model was trained for ({@code sampling}: {@code center}, {@code area} or
 * {@code center,area}, see {@link Sampling}; a file without the key was trained
 * on block averages): {@link #upsample(Tensor, Tensor, Sampling)} refuses a
 * protocol the model was not trained for.
 *
 * <p>Holes: NaN samples of the low-resolution input are missing (a sensor's
 * dropouts; on decoded images an integer sample of 0 is one too, see
 * {@link #upsample(Image, Image)}). They are filled from their known neighbours
 * ({@link DepthHoles#filled}) before the scaling and the network, which were
 * trained with such filled holes, so a hole never pulls the output toward 0.
 * An input with no known sample at all is refused.
 *
 * <p>Thread-safe: several threads may call {@link #upsample} at once.
 * {@link #close} frees the network.
 */
public final class DepthUpsampler implements AutoCloseable {

    /** Metadata key of the target scaling. */
    public static final String SCALING_KEY = "target_scaling";
    /** Metadata key of the low-resolution sampling the model was trained for. */
    public static final String SAMPLING_KEY = "sampling";

    private final UpsamplingNetwork net;
    private final boolean minMax;
    private final String sampling;
    private final Set<Sampling> samplings;
    private final String source;
    private final boolean fillHoles;
    private volatile Device device = Device.CPU;

    private DepthUpsampler(UpsamplingNetwork net, boolean minMax, String sampling, String source) {
        this(net, minMax, sampling, source, true);
    }

    private DepthUpsampler(UpsamplingNetwork net, boolean minMax, String sampling, String source, boolean fillHoles) {
        this.net = net;
        this.fillHoles = fillHoles;
        this.minMax = minMax;
        this.sampling = sampling;
        this.samplings = sampling == null ? Set.of(Sampling.AREA)
                : Set.copyOf(Sampling.parseSet(sampling, "weights " + source + ": metadata '" + SAMPLING_KEY + "'"));
        this.source = source;
    }

    /** The bundled PacJointUpsample for {@code factor} (see {@link BundledModels}). */
    public static DepthUpsampler bundled(int factor) {
        String name = "pac_upsample_x" + factor;
        if (!BundledModels.exists(name)) {
            throw new IllegalArgumentException("factor: no bundled upsampler for " + factor + "x (bundled: "
                    + BundledModels.NAMES + ")");
        }
        return from(BundledModels.read(name));
    }

    /**
     * The best bundled PacJointUpsample for {@code factor} and input made by
     * {@code sampling}: one trained for that protocol alone where jpac ships one
     * ({@link BundledModels#upsampler}), else the one for the factor.
     *
     * @throws IllegalArgumentException if there is none, or it was not trained for {@code sampling}
     */
    public static DepthUpsampler bundled(int factor, Sampling sampling) {
        String name = BundledModels.upsampler(factor, sampling);
        if (name == null) {
            throw new IllegalArgumentException("factor: no bundled upsampler for " + factor + "x (bundled: "
                    + BundledModels.NAMES + ")");
        }
        DepthUpsampler up = from(BundledModels.read(name));
        try {
            up.requireSupported(sampling);
            return up;
        } catch (RuntimeException e) {
            up.close();
            throw e;
        }
    }

    /** The upsampler a weight file describes (safetensors with {@code model} and {@code args} metadata). */
    public static DepthUpsampler load(Path weights) throws IOException {
        return from(ModelWeights.read(weights));
    }

    /** As {@link #load(Path)}, from a stream; {@code name} says where it came from in messages. */
    public static DepthUpsampler load(InputStream weights, String name) throws IOException {
        return from(ModelWeights.read(weights, name));
    }

    /** The upsampler that weights describe. */
    public static DepthUpsampler from(ModelWeights w) {
        if (!w.describesModel()) {
            throw new IllegalArgumentException("weights " + w.source() + " do not say which network they are for "
                    + "(no 'model' and 'args' metadata); build the network and use of(...) instead");
        }
        Map<String, String> md = w.metadata();
        boolean minMax = normalization(md, w.source());
        String sampling = md.get(SAMPLING_KEY);
        Network built = w.build();
        if (!(built instanceof UpsamplingNetwork up)) {
            built.close();
            throw new IllegalArgumentException("weights " + w.source() + " hold a " + w.model()
                    + ", not an upsampling network");
        }
        try {
            w.loadInto(up, w.model());
            return new DepthUpsampler(withSkip(up, sampling, w), minMax, sampling, w.source());
        } catch (RuntimeException e) {
            up.close();
            throw e;
        }
    }

    /**
     * An upsampler around a network built by the caller (which it then owns and
     * closes); {@code minMaxScaling} as the metadata entry {@code target_scaling: minmax}.
     */
    public static DepthUpsampler of(UpsamplingNetwork net, boolean minMaxScaling) {
        if (net == null) {
            throw new NullPointerException("net");
        }
        return new DepthUpsampler(net, minMaxScaling, null, net.getClass().getSimpleName());
    }

    /**
     * As {@link #of(UpsamplingNetwork, boolean)}; with {@code fillHoles} false, NaN in
     * the input is not filled but passed to the network as it is (it then spreads).
     */
    public static DepthUpsampler of(UpsamplingNetwork net, boolean minMaxScaling, boolean fillHoles) {
        if (net == null) {
            throw new NullPointerException("net");
        }
        return new DepthUpsampler(net, minMaxScaling, null, net.getClass().getSimpleName(), fillHoles);
    }

    private static boolean normalization(Map<String, String> md, String source) {
        String v = md.getOrDefault(SCALING_KEY, "minmax");
        return switch (v) {
            case "minmax" -> true;
            case "none" -> false;
            default -> throw new IllegalArgumentException("weights " + source + ": unknown " + SCALING_KEY
                    + " '" + v + "' (jpac knows 'minmax' and 'none')");
        };
    }

    private static UpsamplingNetwork withSkip(UpsamplingNetwork net, String sampling, ModelWeights w) {
        TargetSkip skip = w.skip();
        if (skip == TargetSkip.NONE) {
            return net;
        }
        if (!(net instanceof TrainableUpsampler t)) {
            throw new IllegalArgumentException("weights " + w.source() + ": '" + BilinearResidual.METADATA_KEY
                    + "' metadata on " + w.model() + ", which is not a trainable upsampling network");
        }
        Set<Sampling> trained = sampling == null ? Set.of(Sampling.AREA)
                : Sampling.parseSet(sampling, "weights " + w.source() + ": metadata '" + SAMPLING_KEY + "'");
        return skip.wrap(t, trained);
    }

    /** The upsampling factor: the guide is this many times the target's size. */
    public int factor() {
        return net.factor();
    }

    /**
     * The weight file's {@code sampling} entry as written ({@code center}, {@code area},
     * {@code center,area}), or null when unrecorded.
     */
    public String sampling() {
        return sampling;
    }

    /**
     * The protocols the model was trained for: as recorded, or {@code AREA}
     * for a file that records none (jpac trained only on block averages before).
     */
    public Set<Sampling> samplings() {
        return samplings;
    }

    /** Whether the model was trained for low-resolution input made by {@code s}. */
    public boolean supports(Sampling s) {
        return samplings.contains(s);
    }

    /** Whether each target channel is scaled by its minimum and maximum around the network. */
    public boolean scalesTarget() {
        return minMax;
    }

    /** The network (owned by this upsampler). */
    public UpsamplingNetwork network() {
        return net;
    }

    /**
     * Runs the network on {@code device} from now on (its tensors move there, as
     * {@link org.jpac.nn.Network#to}); the steps around it (hole filling, the
     * target scaling, and JBU for a {@code jbu} skip) stay on the CPU, where they
     * are cheap next to the network. {@link #upsample} then still takes and
     * returns tensors on the CPU, or on {@code device}. Not while another thread
     * upsamples.
     *
     * @return this upsampler
     * @throws UnsupportedOperationException if the network cannot run there (JointBilateral)
     */
    public synchronized DepthUpsampler to(Device device) {
        if (device == null) {
            throw new NullPointerException("device");
        }
        if (!device.equals(this.device)) {
            net.to(device);
            this.device = device;
        }
        return this;
    }

    /** Where the network runs ({@link #to}); the CPU until moved. */
    public Device device() {
        return device;
    }

    /**
     * The upsampled target: {@code guide} [B, guide channels, H, W] with values in
     * [0, 1], {@code low} [B, C, H / factor, W / factor] in any unit; the result is
     * [B, C, H, W] in {@code low}'s unit (a new tensor the caller closes) on
     * {@code low}'s device. Either input may be on the CPU or on {@link #device()}.
     */
    public Tensor upsample(Tensor guide, Tensor low) {
        if (guide == null || low == null) {
            throw new NullPointerException(guide == null ? "guide" : "low");
        }
        low.requireOpen("low");
        guide.requireOpen("guide");
        Device at = device;
        Placed.requireCpuOr(at, guide, "guide", "upsampler");
        Placed.requireCpuOr(at, low, "low", "upsampler");
        try (Placed hostLow = Placed.onCpu(low)) {
            Tensor l = hostLow.get();
            boolean holes = fillHoles && !net.skipsMissing() && DepthHoles.any(l);
            try (Tensor filled = holes ? DepthHoles.filled(l) : null) {
                return Placed.movedTo(low.device(), scaledForward(guide, holes ? filled : l, at));
            }
        }
    }

    /**
     * {@link #upsample(Tensor, Tensor)} for input made by {@code sampling}.
     *
     * @throws IllegalArgumentException if the model was not trained for {@code sampling}
     */
    public Tensor upsample(Tensor guide, Tensor low, Sampling sampling) {
        requireSupported(sampling);
        return upsample(guide, low);
    }

    /** Throws when the model was not trained for {@code s}. */
    public void requireSupported(Sampling s) {
        if (s == null) {
            throw new NullPointerException("sampling");
        }
        if (!supports(s)) {
            throw new IllegalArgumentException("sampling: " + source + " was trained for low-resolution input made by "
                    + Sampling.format(samplings) + ", not " + s.key() + " (a model fails on the protocol it did not "
                    + "see; use one trained for " + s.key() + ")");
        }
    }

    /** On the CPU: {@code low}, the result; the network runs on {@code at}. */
    private Tensor scaledForward(Tensor guide, Tensor low, Device at) {
        if (!minMax) {
            return networkForward(guide, low, at);
        }
        TargetScaling s = TargetScaling.of(low);
        Tensor out;
        try (Tensor scaled = Tensor.empty(low.shape())) {
            s.apply(low, scaled);
            out = networkForward(guide, scaled, at);
        }
        try {
            s.undo(out, out);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** The network's output for {@code low} (on the CPU), run on {@code at}, on the CPU. */
    private Tensor networkForward(Tensor guide, Tensor low, Device at) {
        try (Placed g = Placed.on(at, guide); Placed l = Placed.on(at, low)) {
            return Placed.movedTo(Device.CPU, net.forward(l.get(), g.get()));
        }
    }

    /** {@link #upsample(Tensor, Tensor)} written into {@code out}; returns out. */
    public Tensor upsample(Tensor guide, Tensor low, Tensor out) {
        return Outputs.into(upsample(guide, low), out, "out");
    }

    /**
     * On decoded images: integer guide samples are taken to [0, 1] (8-bit 255 = 1),
     * an alpha channel is dropped; {@code low}'s samples are used as they are,
     * except that in an integer image (16-bit PNG depth) a sample of 0 is a hole
     * (the sensors' convention for "no reading"), as is NaN in float data.
     */
    public Image upsample(Image guide, Image low) {
        Image g = guide.withoutAlpha().normalized();
        Image l = zerosMissing(low.withoutAlpha());
        try (Tensor gt = g.toTensor(); Tensor lt = l.toTensor(); Tensor o = upsample(gt, lt)) {
            return Image.fromTensor(o);
        }
    }

    /** An integer image with its 0 samples as NaN (float data: itself). */
    static Image zerosMissing(Image low) {
        if (!low.isInteger()) {
            return low;
        }
        float[] d = low.data().clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == 0) {
                d[i] = Float.NaN;
            }
        }
        return Image.of(d, low.channels(), low.height(), low.width());
    }

    @Override
    public void close() {
        net.close();
    }

    @Override
    public String toString() {
        return "DepthUpsampler[" + net.getClass().getSimpleName() + " x" + factor() + " from " + source
                + (minMax ? ", min/max target scaling" : "") + (sampling != null ? ", sampling " + sampling : "")
                + (device.isCpu() ? "" : ", on " + device) + "]";
    }
}
