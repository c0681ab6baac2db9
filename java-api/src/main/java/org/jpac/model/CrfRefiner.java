package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.internal.Outputs;
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
 * <p>The number of classes is the caller's: a weight file whose parameters do
 * not depend on it (Potts compatibility, the usual case) is retargeted to any
 * number of classes; one whose compatibility filters are per class pair must
 * match. Edge features are the reference's YXRGB of the image, positions
 * divided by {@link #DEFAULT_SCALE_SPACE} pixels and colours by
 * {@link #DEFAULT_SCALE_COLOR} unless {@link #edgeScales} says otherwise.
 *
 * <p>Thread-safe once configured: several threads may call {@link #refine} at once.
 */
public final class CrfRefiner implements AutoCloseable {

    /** Positions y, x divided by this many pixels in the edge features. */
    public static final double DEFAULT_SCALE_SPACE = 80;
    /** Colours (image in [0, 1]) divided by this in the edge features. */
    public static final double DEFAULT_SCALE_COLOR = 0.1;
    /** Mean-field steps of the default CRF. */
    public static final int DEFAULT_STEPS = 5;
    /** Pairwise weights of the default CRF's two Potts terms (dilation 16, dilation 64). */
    public static final double[] DEFAULT_WEIGHTS = {1.0, 0.5};

    private final CrfNetwork crf;
    private final String source;
    private volatile double scaleSpace = DEFAULT_SCALE_SPACE;
    private volatile double scaleColor = DEFAULT_SCALE_COLOR;

    private CrfRefiner(CrfNetwork crf, String source) {
        this.crf = crf;
        this.source = source;
    }

    /**
     * The {@code jpac crf} command's default CRF for {@code classes} classes: 5
     * steps, unary weight 1, two Potts terms with fixed 5x5 windows at dilations
     * 16 and 64, pairwise weights 1 and 0.5.
     */
    public static CrfRefiner defaults(int classes) {
        return new CrfRefiner(defaultCrf(classes, DEFAULT_STEPS, DEFAULT_WEIGHTS), "defaults");
    }

    /** The default CRF with other steps and pairwise weights (two values: dilation 16, dilation 64). */
    public static PacCRF defaultCrf(int classes, int steps, double[] weights) {
        if (weights == null || weights.length != 2) {
            throw new IllegalArgumentException("weights: expected 2 pairwise weights");
        }
        return PacCRF.builder(classes, steps).finalOutput(CrfOutput.SOFTMAX).perturbedInit(false).seed(0)
                .pairwiseKernel(new PairwiseKernel(5, 16, 1, CompatType.POTTS, false, weights[0]))
                .pairwiseKernel(new PairwiseKernel(5, 64, 1, CompatType.POTTS, false, weights[1]))
                .build();
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
        return new CrfRefiner(crf, w.source());
    }

    /** A refiner around a CRF built by the caller (which it then owns and closes). */
    public static CrfRefiner of(CrfNetwork crf) {
        if (crf == null) {
            throw new NullPointerException("crf");
        }
        return new CrfRefiner(crf, crf.getClass().getSimpleName());
    }

    /**
     * Sets the edge features' scales: positions divided by {@code space} pixels,
     * colours by {@code color}; returns this. Call before sharing the refiner.
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

    /** The number of classes (the CRF's channels). */
    public int classes() {
        return crf.channels();
    }

    /** The CRF (owned by this refiner). */
    public CrfNetwork network() {
        return crf;
    }

    /**
     * Class probabilities [B, C, H, W] (softmax over classes, a new tensor the
     * caller closes) from {@code scores} [B, C, H, W] (logits or log-probabilities)
     * refined by the CRF, guided by {@code image} [B, 3 (or any), H, W] in [0, 1].
     */
    public Tensor refine(Tensor image, Tensor scores) {
        try (Tensor edge = PacCRF.createYXRGB(image, scaleSpace, scaleColor)) {
            Tensor out = crf.forward(scores, edge);
            if (finalOutput() == CrfOutput.SOFTMAX) {
                return out;
            }
            try (out) {
                return StdOps.softmax(out);
            }
        }
    }

    /** {@link #refine(Tensor, Tensor)} written into {@code out}; returns out. */
    public Tensor refine(Tensor image, Tensor scores, Tensor out) {
        return Outputs.into(refine(image, scores), out, "out");
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
        crf.close();
    }

    @Override
    public String toString() {
        return "CrfRefiner[" + crf + " from " + source + "]";
    }
}
