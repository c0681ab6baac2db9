package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;
import org.jpac.io.SafeTensors;
import org.jpac.io.WeightFiles;
import org.jpac.io.images.Image;
import org.jpac.io.images.ImageFormat;
import org.jpac.io.images.Images;
import org.jpac.io.images.Npy;
import org.jpac.io.images.NpyLayout;
import org.jpac.io.images.Png;
import org.jpac.model.CrfRefiner;
import org.jpac.nn.CrfNetwork;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelLimits;

/**
 * {@code jpac crf}: PAC-CRF refinement (paper Sec. 5) of per-pixel class scores
 * guided by an image, through {@link CrfRefiner}. Without {@code --weights} the
 * CRF is the bundled one trained by {@code jpac train crf} (models README);
 * {@code --untrained} or {@code --pairwise-weights} run
 * {@link CrfRefiner#defaults} instead. Both calibrate the scores and scale
 * their windows to the image ({@link CrfRefiner}); {@code --explain} writes a
 * picture of where the CRF changed labels ({@link CrfExplain}).
 */
final class CrfCommand extends CliCommand {

    /** The CRF {@code jpac crf} runs without --weights. */
    static final String BUNDLED = "paccrf_synthetic";

    static final String USAGE = String.join("\n",
            "usage: jpac crf --image IMG --unary FILE --out FILE [--weights FILE | --untrained] [--steps N]"
                    + " [--labels|--probabilities] [--explain PNG] [options]",
            "  Refines class scores with a PAC-CRF (mean-field steps; edge kernels from the image's YXRGB features).",
            "  The scores are calibrated first (log-probabilities scaled so that a confident pixel's margin is that",
            "  of a 0.98/0.02 segmenter) and the windows' dilations follow the image's size (set for 500x375).",
            "  --unary FILE      class scores (logits or log-probabilities): .npy of shape (C, H, W) or (1, C, H, W),",
            "                    or a safetensors file with a tensor named 'unary'",
            "  --image IMG       the image (PNG, .npy, .pfm), same size as the scores",
            "  --weights FILE    trained PacCRF weights (.safetensors / .pth); safetensors metadata 'model'/'args'",
            "                    set the architecture. Without: the bundled CRF trained on synthetic scenes",
            "  --untrained       the hand-set CRF instead: two 5x5 Potts terms at dilations 16 and 64 (at 500x375)",
            "  --steps N         mean-field steps (default 5, or the weight file's)",
            "  --labels          write the label map (default for .png): palette PNG, or .npy (H, W)",
            "  --probabilities   write softmax probabilities as .npy (C, H, W)",
            "  --grey            labels as a grey PNG (label = sample value) instead of a palette PNG",
            "  --explain PNG     also write where the CRF changed the labels: the image dimmed, a changed pixel",
            "                    red where it became label 0, else in the colour of the label it gained",
            "  --scale-space S   edge features: y/S, x/S (default: the weight file's, else 80 pixels at 500x375;",
            "                    scaled with the image like the dilations; 1e-6..1e6)",
            "  --scale-color C   edge features: rgb/C, image in [0, 1] (default: the weight file's, else 0.1;",
            "                    1e-6..1e6)",
            "  --pairwise-weights W1,W2  weights of the untrained CRF's two terms (default 0.3,0.15, each",
            "                    0..1e6; implies --untrained)",
            FiniteValues.HELP,
            "  --quiet           no progress lines on stderr");

    @Override
    String name() {
        return "crf";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("--image", "--unary", "--out", "--weights", "--steps", "--scale-space", "--scale-color",
                "--pairwise-weights", "--explain");
    }

    @Override
    Set<String> flags() {
        return Set.of("--labels", "--probabilities", "--grey", "--untrained", FiniteValues.OPTION);
    }

    @Override
    List<String> inputOptions() {
        return List.of("--image", "--unary", "--weights");
    }

    @Override
    List<String> outputOptions() {
        return List.of("--out", "--explain");
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        Path imagePath = a.requiredPath("--image");
        Path unaryPath = a.requiredPath("--unary");
        Path outPath = a.requiredPath("--out");
        Path weightsPath = a.path("--weights");
        if (a.flag("--labels") && a.flag("--probabilities")) {
            throw CliException.usage("give --labels or --probabilities, not both");
        }
        ImageFormat outFormat = ImageFormat.fromExtension(outPath);
        boolean probabilities = a.flag("--probabilities");
        if (outFormat == null) {
            throw CliException.usage("--out: cannot tell the format of '" + outPath + "' (use .png or .npy)");
        }
        if (probabilities && outFormat != ImageFormat.NPY) {
            throw CliException.usage("--probabilities are written as .npy, not ." + outFormat.extension());
        }
        if (!probabilities && outFormat == ImageFormat.PFM) {
            throw CliException.usage("labels are written as .png or .npy, not .pfm");
        }
        if (a.flag("--grey") && outFormat != ImageFormat.PNG) {
            throw CliException.usage("--grey applies to PNG label maps only");
        }
        CliImages.checkOutPath(outPath);
        Path explainPath = a.path("--explain");
        if (explainPath != null) {
            if (ImageFormat.fromExtension(explainPath) != ImageFormat.PNG) {
                throw CliException.usage("--explain writes a .png, not '" + explainPath + "'");
            }
            CliImages.checkOutPath("--explain", explainPath);
            if (SameFileGuard.same(explainPath, outPath)) {
                throw CliException.usage("--explain must differ from --out");
            }
        }
        Integer steps = a.has("--steps") ? a.integer("--steps", CrfRefiner.DEFAULT_STEPS, 0, ModelLimits.MAX_CRF_STEPS)
                : null;
        Double ss = a.has("--scale-space") ? a.positive("--scale-space", CrfRefiner.DEFAULT_SCALE_SPACE,
                Args.Range.SIGMA) : null;
        Double sc = a.has("--scale-color") ? a.positive("--scale-color", CrfRefiner.DEFAULT_SCALE_COLOR,
                Args.Range.SIGMA) : null;
        double[] pw = a.numbers("--pairwise-weights", CrfRefiner.DEFAULT_WEIGHTS, CrfRefiner.DEFAULT_WEIGHTS.length,
                Args.Range.WEIGHT);
        boolean untrained = a.flag("--untrained") || a.has("--pairwise-weights");
        if (weightsPath != null && untrained) {
            throw CliException.usage((a.has("--pairwise-weights") ? "--pairwise-weights" : "--untrained")
                    + " sets up the untrained CRF; with --weights the file sets the weights");
        }

        FiniteValues finite = FiniteValues.of(a, progress);
        WeightsFile weights = weightsPath == null ? null
                : progress.step("read weights " + weightsPath, () -> WeightsFile.load("--weights", weightsPath,
                        finite));
        if (weights == null && !untrained) {
            weights = WeightsFile.bundled(BUNDLED);
        }
        // sizes from the headers first: nothing is decoded when they do not fit
        long[] chw = unaryShape(unaryPath);
        Images.Size imageSize = CliImages.size("--image", imagePath, NpyLayout.AUTO);
        Images.Size scoresSize = new Images.Size((int) chw[1], (int) chw[2]);
        if (chw[0] < 2) {
            throw CliException.failure("--unary " + unaryPath + " has " + chw[0] + " class; a CRF needs 2 "
                    + "or more");
        }
        if (!imageSize.equals(scoresSize)) {
            throw CliException.failure("--image is " + imageSize + " but the scores in --unary are "
                    + scoresSize + "; they must have the same size");
        }
        Image unary = finite.input("--unary", unaryPath, progress.step("read scores " + unaryPath,
                () -> readUnary(unaryPath)));
        Image image = CliImages.guide(finite.input("--image", imagePath, progress.step("read image " + imagePath,
                () -> CliImages.read("--image", imagePath, NpyLayout.AUTO))));
        int classes = unary.channels();
        try (CrfRefiner crf = build(classes, steps, pw, weights)) {
            crf.edgeScales(ss != null ? ss : crf.scaleSpace(), sc != null ? sc : crf.scaleColor());
            int n = unary.pixels();
            int h = unary.height();
            int w = unary.width();
            progress.note(crf + " on " + image.size() + ": dilations " + crf.dilations(h, w));
            BackendPlacement.place(progress::note, "the CRF", crf::to);
            float[] probs = progress.step("running the CRF", "ran the CRF", () -> {
                try (Tensor u = unary.toTensor(); Tensor img = image.toTensor(); Tensor p = crf.refine(img, u)) {
                    return p.toArray();
                }
            });
            finite.result(probs, h, w);
            progress.step("wrote " + outPath, () -> {
                try {
                    if (probabilities) {
                        Npy.writeArray(outPath, probs, classes, h, w);
                    } else {
                        int[] labels = Labels.argmax(probs, classes, n);
                        writeLabels(outPath, outFormat, labels, h, w, classes, a.flag("--grey"), progress);
                    }
                } catch (IOException e) {
                    throw CliException.failure("cannot write --out " + CliCommand.ioMessage(e));
                }
                return null;
            });
            if (explainPath != null) {
                CrfExplain.Summary sum = progress.step("wrote " + explainPath, () -> {
                    try {
                        return CrfExplain.write(explainPath, image, Labels.argmax(unary.data(), classes, n),
                                Labels.argmax(probs, classes, n), classes);
                    } catch (IOException e) {
                        throw CliException.failure("cannot write --explain " + CliCommand.ioMessage(e));
                    }
                });
                out.println(sum.describe(classes));
            }
        }
        return 0;
    }

    /** Labels as a palette PNG (up to 256 classes), a grey PNG, or .npy (H, W) float32. */
    static void writeLabels(Path out, ImageFormat f, int[] labels, int h, int w, int classes, boolean grey,
                            Progress progress) throws IOException {
        if (f == ImageFormat.NPY) {
            float[] d = new float[labels.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = labels[i];
            }
            Npy.writeArray(out, d, h, w);
            return;
        }
        if (!grey && classes > 256) {
            progress.note(classes + " classes do not fit a palette; writing a 16-bit grey PNG");
            grey = true;
        }
        if (grey) {
            float[] d = new float[labels.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = labels[i];
            }
            Png.write(out, Image.of(d, 1, h, w), classes > 256 ? 16 : 8);
        } else {
            Png.writeIndexed(out, labels, h, w, Labels.palette(classes));
        }
    }

    /**
     * The CRF to run: the weight file's (retargeted to {@code classes} when its
     * parameters allow, with {@code steps} if given), or the untrained defaults.
     */
    private static CrfRefiner build(int classes, Integer steps, double[] pw, WeightsFile w) {
        if (w == null) {
            return CrfRefiner.defaults(classes, steps == null ? CrfRefiner.DEFAULT_STEPS : steps, pw);
        }
        CrfNetwork crf;
        if (w.describesModel()) {
            if (!w.model().equals("PacCRF") && !w.model().equals("PacCRFLoose")) {
                throw CliException.failure("--weights " + w.path() + " hold a " + w.model() + ", not a PacCRF");
            }
            try {
                ModelArgs args = ModelArgs.parse(w.model(), w.args());
                Map<String, Object> v = new LinkedHashMap<>(args.values());
                int fileSteps = args.getInt("num_steps", CrfRefiner.DEFAULT_STEPS, 0, ModelLimits.MAX_CRF_STEPS);
                if (steps != null && steps != fileSteps) {
                    if (w.model().equals("PacCRFLoose")) {
                        throw CliException.usage("--steps: a PacCRFLoose has weights for each of its " + fileSteps
                                + " steps; it cannot run " + steps);
                    }
                    v.put("num_steps", (long) steps);
                }
                int fileClasses = args.getInt("channels", -1);
                v.put("channels", (long) classes);
                crf = (CrfNetwork) w.build(new ModelArgs(w.model(), v));
                try {
                    w.loadInto(crf, crf.getClass().getSimpleName() + " with " + classes + " classes");
                } catch (CliException e) {
                    crf.close();
                    if (fileClasses != classes) {
                        throw CliException.failure("--weights " + w.path() + " are for " + fileClasses
                                + " classes and have parameters per class; the scores in --unary have " + classes);
                    }
                    throw e;
                }
            } catch (IllegalArgumentException e) {
                throw CliException.failure("--weights " + w.path() + ": cannot build " + w.model() + ": "
                        + e.getMessage());
            }
        } else {
            crf = CrfRefiner.defaultCrf(classes, steps == null ? CrfRefiner.DEFAULT_STEPS : steps,
                    CrfRefiner.DEFAULT_WEIGHTS);
            try {
                w.loadInto(crf, crf.getClass().getSimpleName() + " with " + classes + " classes");
            } catch (RuntimeException e) {
                crf.close();
                throw e;
            }
        }
        try {
            return CrfRefiner.withMetadata(crf, w.path().toString(), w.metadata());
        } catch (IllegalArgumentException e) {
            throw CliException.failure("--weights " + w.path() + ": " + e.getMessage());
        }
    }

    /** Class scores [C, H, W] from .npy or from a safetensors tensor 'unary'. */
    static Image readUnary(Path file) {
        long[] s = unaryShape(file);
        try {
            float[] data;
            if (format(file) == ImageFormat.NPY) {
                data = Npy.readArray(file).data();
            } else {
                try (SafeTensors st = SafeTensors.open(file)) {
                    data = st.readFloats("unary");
                }
            }
            return Image.of(data, (int) s[0], (int) s[1], (int) s[2]);
        } catch (IOException e) {
            throw CliException.failure("cannot read --unary " + CliCommand.ioMessage(e));
        }
    }

    /**
     * The shape [C, H, W] of the scores in {@code file}, from the .npy header
     * or the safetensors entry 'unary': no data is read.
     */
    static long[] unaryShape(Path file) {
        try {
            Images.checkReadable(file);
            long[] s;
            String what;
            if (format(file) == ImageFormat.NPY) {
                s = Npy.shape(file);
                what = "expected scores of shape (C, H, W) or (1, C, H, W), got ";
            } else if (isSafeTensors(file)) {
                try (SafeTensors st = SafeTensors.open(file)) {
                    if (!st.contains("unary")) {
                        throw CliException.failure("--unary " + file + " has no tensor named 'unary' (it has "
                                + String.join(", ", st.names().stream().limit(10).toList())
                                + (st.names().size() > 10 ? ", ..." : "") + ")");
                    }
                    s = st.entry("unary").shape();
                }
                what = "tensor 'unary' has shape ";
            } else {
                throw CliException.failure("--unary " + file + ": expected a .npy array or a safetensors file");
            }
            if (s.length == 3 || (s.length == 4 && s[0] == 1)) {
                return java.util.Arrays.copyOfRange(s, s.length - 3, s.length);
            }
            throw CliException.failure("--unary " + file + ": " + what + java.util.Arrays.toString(s)
                    + (what.startsWith("tensor") ? ", expected [C, H, W] or [1, C, H, W]" : ""));
        } catch (IOException e) {
            throw CliException.failure("cannot read --unary " + CliCommand.ioMessage(e));
        }
    }

    /** The image format of a file's content, or null (e.g. safetensors). */
    private static ImageFormat format(Path file) {
        try {
            return Images.detect(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isSafeTensors(Path file) {
        try {
            return WeightFiles.detect(file) == WeightFiles.Format.SAFETENSORS;
        } catch (IOException e) {
            return false;
        }
    }

    static String describe(double[] pw) {
        return String.format(Locale.ROOT, "%.3g,%.3g", pw[0], pw[1]);
    }
}
