package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Outputs;
import org.jpac.internal.Placed;
import org.jpac.io.images.Image;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfNetwork;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PacCRFLoose;
import org.jpac.nn.PairwiseKernel;
import org.jpac.nn.StdOps;

/**
 * PAC-CRF refinement of per-pixel class scores, guided by an image (paper
 * Sec. 5), ready to run: {@code refine(image, scores)} gives class
 * probabilities.
 *
 * <pre>{@code
 * try (CrfRefiner crf = CrfRefiner.defaults(21);
 *      Tensor probs = crf.refine(image, scores)) {   // image [1,3,H,W] in [0,1], scores [1,21,H,W]
 *     ...
 * }
 * }</pre>
 *
 * <p>Two things keep a CRF's defaults from doing harm on photographs of any size
 * and segmenters of any confidence (the default and the bundled CRF do both; a
 * weight file asks for them in its metadata, {@code crf.unary: calibrated} and
 * {@code crf.geometry: scaled:SIDE}):
 * <ul>
 *   <li>the scores are calibrated first ({@link UnaryCalibration}): log-probabilities
 *       scaled so that a confident pixel's margin is that of a 0.98 / 0.02
 *       segmenter, on which scale the pairwise weights are set;</li>
 *   <li>the windows follow the image's size ({@link CrfGeometry}): dilations and
 *       the positions' scale are set for a reference size and multiplied by
 *       {@code sqrt(H * W) / side} for each image.</li>
 * </ul>
 *
 * <p>The number of classes is the caller's: a weight file whose parameters do
 * not depend on it (Potts compatibility, the usual case) is retargeted to any
 * number of classes; one whose compatibility filters are per class pair must
 * match. Edge features are the reference's YXRGB of the image, positions
 * divided by {@link #DEFAULT_SCALE_SPACE} pixels (at the reference size) and
 * colours by {@link #DEFAULT_SCALE_COLOR} unless {@link #edgeScales} says otherwise.
 *
 * <p>Thread-safe once configured: several threads may call {@link #refine} at once.
 */
public final class CrfRefiner implements AutoCloseable {

    /** Positions y, x divided by this many pixels in the edge features (at the reference size). */
    public static final double DEFAULT_SCALE_SPACE = 80;
    /**
     * Colours (image in [0, 1]) divided by this in the edge features: 0.03, sharper than the
     * reference's example 0.1, so that a pixel hears little from neighbours of another colour
     * (thin structures and good boundaries survive; chosen on synthetic training scenes).
     */
    public static final double DEFAULT_SCALE_COLOR = 0.03;
    /** Mean-field steps of the default CRF. */
    public static final int DEFAULT_STEPS = 5;
    /** Dilations of the default CRF's 5x5 Potts terms at {@link CrfGeometry#VOC_SIDE}. */
    public static final int[] DEFAULT_DILATIONS = {16, 64};
    /**
     * Pairwise weights of the default CRF's Potts terms (one per dilation), on calibrated scores:
     * 0.3 and 0.15, so that 24 agreeing neighbours of the same colour (at most 7.2 + 3.6) can
     * overturn a confident pixel's margin of 3.9 but a few cannot (the paper's 1 and 0.5 erode
     * thin structures and good segmentations; chosen on synthetic training scenes).
     */
    public static final double[] DEFAULT_WEIGHTS = {0.3, 0.15};
    /** Metadata key: {@code calibrated} when the CRF expects {@link UnaryCalibration}'s scores. */
    public static final String UNARY_KEY = "crf.unary";
    /** Metadata key: the {@link CrfGeometry} ({@code fixed} or {@code scaled:SIDE}). */
    public static final String GEOMETRY_KEY = "crf.geometry";
    /** Metadata key: the edge features' position scale (at the reference size), if not the default. */
    public static final String SCALE_SPACE_KEY = "crf.scale_space";
    /** Metadata key: the edge features' colour scale, if not the default. */
    public static final String SCALE_COLOR_KEY = "crf.scale_color";

    private final CrfNetwork crf;
    private final String source;
    private final CrfGeometry geometry;
    private final boolean calibrate;
    /** The CRF at each image size's dilations (scaled geometry only), sharing the reference's parameter values. */
    private final Map<List<Integer>, PacCRF> bySize = new ConcurrentHashMap<>();
    private volatile double scaleSpace = DEFAULT_SCALE_SPACE;
    private volatile double scaleColor = DEFAULT_SCALE_COLOR;
    private volatile boolean closed;
    private volatile Device device = Device.CPU;

    private CrfRefiner(CrfNetwork crf, String source, CrfGeometry geometry, boolean calibrate) {
        if (geometry.isScaled() && !(crf instanceof PacCRF)) {
            crf.close();
            throw new IllegalArgumentException("geometry: only a PacCRF can follow the image size, not a "
                    + crf.getClass().getSimpleName());
        }
        this.crf = crf;
        this.source = source;
        this.geometry = geometry;
        this.calibrate = calibrate;
    }

    /**
     * The {@code jpac crf} command's default CRF for {@code classes} classes:
     * {@link #defaultCrf} with {@link #DEFAULT_STEPS} steps and
     * {@link #DEFAULT_WEIGHTS}, on calibrated scores, its windows scaled from
     * {@link CrfGeometry#VOC_SIDE}.
     */
    public static CrfRefiner defaults(int classes) {
        return defaults(classes, DEFAULT_STEPS, DEFAULT_WEIGHTS);
    }

    /** As {@link #defaults(int)} with other steps and pairwise weights (one per default dilation). */
    public static CrfRefiner defaults(int classes, int steps, double[] weights) {
        return new CrfRefiner(defaultCrf(classes, steps, weights), "defaults",
                CrfGeometry.scaled(CrfGeometry.VOC_SIDE), true);
    }

    /**
     * The default CRF as built, at its reference dilations ({@link #DEFAULT_DILATIONS}):
     * {@code steps} mean-field steps, unary weight 1, a 5x5 Potts term (all-ones
     * window, centre left out) per dilation with pairwise weight {@code weights[i]};
     * softmax output.
     */
    public static PacCRF defaultCrf(int classes, int steps, double[] weights) {
        if (weights == null || weights.length != DEFAULT_DILATIONS.length) {
            throw new IllegalArgumentException("weights: expected " + DEFAULT_DILATIONS.length
                    + " pairwise weights, got " + (weights == null ? "null" : Arrays.toString(weights)));
        }
        PacCRF.Builder b = PacCRF.builder(classes, steps).finalOutput(CrfOutput.SOFTMAX).perturbedInit(false)
                .seed(0);
        for (int i = 0; i < weights.length; i++) {
            b.pairwiseKernel(new PairwiseKernel(5, DEFAULT_DILATIONS[i], 1, CompatType.POTTS, false, weights[i]));
        }
        return b.build();
    }

    /** The bundled trained CRF ({@code paccrf_synthetic}), retargeted to {@code classes}. */
    public static CrfRefiner bundled(int classes) {
        return from(BundledModels.read("paccrf_synthetic"), classes);
    }

    /** The CRF a weight file describes (safetensors with {@code model} and {@code args} metadata). */
    public static CrfRefiner load(Path weights, int classes) throws IOException {
        return from(ModelWeights.read(weights), classes);
    }

    /** As {@link #load(Path, int)}, from a stream; {@code name} says where it came from in messages. */
    public static CrfRefiner load(InputStream weights, String name, int classes) throws IOException {
        return from(ModelWeights.read(weights, name), classes);
    }

    /** The CRF that weights describe, for {@code classes} classes. */
    public static CrfRefiner from(ModelWeights w, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes: a CRF needs 2 or more, got " + classes);
        }
        if (!w.describesModel()) {
            throw new IllegalArgumentException("weights " + w.source() + " do not say which CRF they are for "
                    + "(no 'model' and 'args' metadata)");
        }
        String model = w.model();
        if (!model.equals("PacCRF") && !model.equals("PacCRFLoose")) {
            throw new IllegalArgumentException("weights " + w.source() + " hold a " + model + ", not a PacCRF");
        }
        ModelArgs args = ModelArgs.parse(model, w.args());
        int fileClasses = args.getInt("channels", -1);
        Map<String, Object> v = new LinkedHashMap<>(args.values());
        v.put("channels", (long) classes);
        CrfNetwork crf = model.equals("PacCRF") ? PacCRF.fromArgs(new ModelArgs(model, v))
                : PacCRFLoose.fromArgs(new ModelArgs(model, v));
        try {
            w.loadInto(crf, model + " with " + classes + " classes");
        } catch (IllegalArgumentException e) {
            crf.close();
            if (fileClasses != classes) {
                throw new IllegalArgumentException("weights " + w.source() + " are for " + fileClasses
                        + " classes and have parameters per class, so they cannot refine " + classes + ": "
                        + e.getMessage(), e);
            }
            throw e;
        }
        try {
            return withMetadata(crf, w.source(), w.metadata()); // closes crf when it throws
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("weights " + w.source() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A refiner around {@code crf} (which it then owns) run as a weight file's
     * metadata says: calibration ({@link #UNARY_KEY}), geometry
     * ({@link #GEOMETRY_KEY}) and edge scales ({@link #SCALE_SPACE_KEY},
     * {@link #SCALE_COLOR_KEY}); absent keys mean the scores as given, a fixed
     * geometry and the default scales. Closes {@code crf} if the metadata is invalid.
     *
     * @throws IllegalArgumentException naming the key whose value is invalid
     */
    public static CrfRefiner withMetadata(CrfNetwork crf, String source, Map<String, String> metadata) {
        try {
            CrfRefiner r = new CrfRefiner(crf, source, geometry(metadata), calibrated(metadata));
            r.edgeScales(scale(metadata, SCALE_SPACE_KEY, DEFAULT_SCALE_SPACE),
                    scale(metadata, SCALE_COLOR_KEY, DEFAULT_SCALE_COLOR));
            return r;
        } catch (IllegalArgumentException e) {
            crf.close();
            throw e;
        }
    }

    /** {@link #GEOMETRY_KEY}'s geometry; a bad value is refused naming the key. */
    private static CrfGeometry geometry(Map<String, String> md) {
        String v = md.get(GEOMETRY_KEY);
        try {
            return CrfGeometry.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(GEOMETRY_KEY + ": expected 'fixed' or 'scaled:SIDE' with SIDE > 0, got '"
                    + v + "'", e);
        }
    }

    /** Whether {@link #UNARY_KEY} asks for calibrated scores; any other value than 'calibrated' is refused. */
    private static boolean calibrated(Map<String, String> md) {
        String v = md.get(UNARY_KEY);
        if (v != null && !v.equals("calibrated")) {
            // silently running on uncalibrated scores would give a wrong refinement
            throw new IllegalArgumentException(UNARY_KEY + ": expected 'calibrated' (or no " + UNARY_KEY
                    + " for the scores as given), got '" + v + "'");
        }
        return v != null;
    }

    private static double scale(Map<String, String> md, String key, double dflt) {
        String v = md.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + ": expected a positive number, got '" + v + "'");
    }

    /**
     * A refiner around a CRF built by the caller (which it then owns and
     * closes), run as built: scores as given, fixed geometry.
     */
    public static CrfRefiner of(CrfNetwork crf) {
        return of(crf, CrfGeometry.fixed(), false);
    }

    /**
     * A refiner around a CRF built by the caller (which it then owns and
     * closes), its dilations following {@code geometry}, its scores calibrated
     * by {@link UnaryCalibration} when {@code calibrate}.
     *
     * @throws IllegalArgumentException if the geometry is scaled and the CRF is not a {@link PacCRF}
     */
    public static CrfRefiner of(CrfNetwork crf, CrfGeometry geometry, boolean calibrate) {
        if (crf == null) {
            throw new NullPointerException("crf");
        }
        if (geometry == null) {
            throw new NullPointerException("geometry");
        }
        return new CrfRefiner(crf, crf.getClass().getSimpleName(), geometry, calibrate);
    }

    /**
     * Sets the edge features' scales: positions divided by {@code space} pixels
     * (at the reference size when the geometry is scaled), colours by
     * {@code color}; returns this. Call before sharing the refiner.
     */
    public CrfRefiner edgeScales(double space, double color) {
        if (!(space > 0) || !(color > 0) || Double.isInfinite(space) || Double.isInfinite(color)) {
            throw new IllegalArgumentException("space, color: must be positive and finite, got " + space + ", "
                    + color);
        }
        this.scaleSpace = space;
        this.scaleColor = color;
        return this;
    }

    /** The edge features' position scale (pixels, at the reference size when the geometry is scaled). */
    public double scaleSpace() {
        return scaleSpace;
    }

    /** The edge features' colour scale. */
    public double scaleColor() {
        return scaleColor;
    }

    /** The number of classes (the CRF's channels). */
    public int classes() {
        return crf.channels();
    }

    /** The CRF as built, at its reference dilations (owned by this refiner). */
    public CrfNetwork network() {
        return crf;
    }

    /** How the windows follow the image size. */
    public CrfGeometry geometry() {
        return geometry;
    }

    /** Whether scores are calibrated ({@link UnaryCalibration}) before the CRF. */
    public boolean calibrates() {
        return calibrate;
    }

    /** The dilations the CRF runs with on an image of {@code h x w}. */
    public List<Integer> dilations(long h, long w) {
        List<Integer> d = new ArrayList<>();
        if (crf instanceof PacCRF p) {
            for (PairwiseKernel k : p.pairwiseKernels()) {
                d.add(geometry.dilation(k.dilation(), h, w));
            }
        }
        return d;
    }

    /** The positions' scale in the edge features on an image of {@code h x w}. */
    public double scaleSpace(long h, long w) {
        return scaleSpace * geometry.factor(h, w);
    }

    /**
     * Class probabilities [B, C, H, W] (softmax over classes, a new tensor the
     * caller closes) from {@code scores} [B, C, H, W] (logits or log-probabilities)
     * refined by the CRF, guided by {@code image} [B, 3 (or 1, grey), H, W] in [0, 1] (another channel count where the
     * CRF has no learned guide projection).
     */
    public Tensor refine(Tensor image, Tensor scores) {
        if (closed) {
            throw new IllegalStateException("CrfRefiner is closed");
        }
        if (scores == null) {
            throw new NullPointerException("scores");
        }
        if (scores.shape().length != 4) {
            throw new IllegalArgumentException("scores: expected [B, C, H, W], got " + Arrays.toString(scores.shape()));
        }
        long h = scores.dim(2);
        long w = scores.dim(3);
        Device at = device;
        Placed.requireCpuOr(at, scores, "scores", "refiner");
        if (image != null) {
            Placed.requireCpuOr(at, image, "image", "refiner");
        }
        CrfNetwork net = networkFor(h, w, at);
        checkImageChannels(net, image);
        // The edge features and the calibration are Java over host memory: computed on the CPU,
        // then handed to the CRF on its device.
        try (Placed hostImage = Placed.onCpu(image); Placed hostScores = Placed.onCpu(scores);
             Tensor colour = grayAsColour(net, hostImage.get());
             Tensor edge = PacCRF.createYXRGB(colour != null ? colour : hostImage.get(), scaleSpace(h, w), scaleColor);
             Tensor unary = calibrate ? UnaryCalibration.calibrate(hostScores.get()) : null;
             Placed e = Placed.on(at, edge); Placed u = Placed.on(at, unary != null ? unary : hostScores.get())) {
            Tensor out = net.forward(u.get(), e.get());
            if (finalOutput() != CrfOutput.SOFTMAX) {
                try (Tensor logits = out) {
                    out = StdOps.softmax(logits);
                }
            }
            return Placed.movedTo(scores.device(), out);
        }
    }

    /**
     * Runs the CRF on {@code device} from now on (its tensors move there, as
     * {@link org.jpac.nn.Network#to}); the calibration and the edge features stay on
     * the CPU. {@link #refine} then still takes and returns tensors on the CPU, or on
     * {@code device}. Not while another thread refines.
     *
     * @return this refiner
     */
    public CrfRefiner to(Device device) {
        if (device == null) {
            throw new NullPointerException("device");
        }
        synchronized (bySize) {
            if (closed) {
                throw new IllegalStateException("CrfRefiner is closed");
            }
            if (!device.equals(this.device)) {
                crf.to(device);
                bySize.values().forEach(c -> c.to(device));
                this.device = device;
            }
        }
        return this;
    }

    /** Where the CRF runs ({@link #to}); the CPU until moved. */
    public Device device() {
        return device;
    }

    /**
     * A grey [B, 1, H, W] image as three equal channels when the CRF's learned guide
     * projections take a colour image's features (so grey photographs run too), else null.
     */
    /**
     * A CRF with learned guide projections takes a fixed number of edge features (Y, X and the image's
     * channels): an image of another channel count is refused here, naming it, not deep in the network.
     */
    private static void checkImageChannels(CrfNetwork net, Tensor image) {
        if (image == null || !(net instanceof PacCRF p) || p.guideProjection() <= 2) {
            return;
        }
        long want = p.guideProjection() - 2;
        long c = image.shape().length == 4 ? image.dim(1) : -1;
        if (c != want && !(c == 1 && want == 3)) {
            throw new IllegalArgumentException("image: expected [B, " + want + (want == 3 ? " (or 1, grey)" : "")
                    + ", H, W] for this CRF's " + p.guideProjection() + " edge features (Y, X and the image's "
                    + "channels), got " + Arrays.toString(image.shape()));
        }
    }

    private static Tensor grayAsColour(CrfNetwork net, Tensor image) {
        if (image == null || image.shape().length != 4 || image.dim(1) != 1
                || !(net instanceof PacCRF p) || p.guideProjection() != 5) {
            return null;
        }
        return StdOps.concatChannels(image, image, image);
    }

    /** {@link #refine(Tensor, Tensor)} written into {@code out}; returns out. */
    public Tensor refine(Tensor image, Tensor scores, Tensor out) {
        return Outputs.into(refine(image, scores), out, "out");
    }

    /** The CRF with this image size's dilations, on {@code at}: the reference one, or a copy of its parameters. */
    private CrfNetwork networkFor(long h, long w, Device at) {
        if (!geometry.isScaled()) {
            return crf;
        }
        PacCRF ref = (PacCRF) crf;
        List<Integer> dil = dilations(h, w);
        List<PairwiseKernel> kernels = ref.pairwiseKernels();
        boolean same = true;
        for (int i = 0; i < kernels.size(); i++) {
            same &= kernels.get(i).dilation() == dil.get(i);
        }
        if (same) {
            return ref;
        }
        synchronized (bySize) {
            if (closed) {
                throw new IllegalStateException("CrfRefiner is closed");
            }
            return bySize.computeIfAbsent(dil, d -> {
                PacCRF copy = ref.withDilations(d);  // on the CPU, with the reference's values
                try {
                    copy.to(at);
                    return copy;
                } catch (RuntimeException | Error e) {
                    copy.close();
                    throw e;
                }
            });
        }
    }
    /**
     * On decoded images: integer image samples are taken to [0, 1], an alpha
     * channel is dropped; {@code scores} [C, H, W]. Returns the probabilities.
     */
    public Image refine(Image image, Image scores) {
        Image img = image.withoutAlpha().normalized();
        try (Tensor it = img.toTensor(); Tensor st = scores.toTensor(); Tensor p = refine(it, st)) {
            return Image.fromTensor(p);
        }
    }

    private CrfOutput finalOutput() {
        if (crf instanceof PacCRF p) {
            return p.finalOutput();
        }
        if (crf instanceof PacCRFLoose p) {
            return p.finalOutput();
        }
        return CrfOutput.LOG_Q;
    }

    @Override
    public void close() {
        synchronized (bySize) {
            if (closed) {
                return;
            }
            closed = true;
            bySize.values().forEach(PacCRF::close);
            bySize.clear();
        }
        crf.close();
    }

    @Override
    public String toString() {
        return "CrfRefiner[" + crf + " from " + source + (geometry.isScaled() ? ", windows scaled from "
                + Math.round(geometry.referenceSide()) + " px" : "") + (calibrate ? ", calibrated scores" : "") + "]";
    }
}
