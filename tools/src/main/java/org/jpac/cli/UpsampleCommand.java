package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jpac.Tensor;
import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.jpac.io.images.NpyLayout;
import org.jpac.model.DepthUpsampler;
import org.jpac.nn.DJIF;
import org.jpac.nn.JointBilateral;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelLimits;
import org.jpac.nn.Network;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PacJointUpsampleLite;
import org.jpac.nn.SampledBilinear;
import org.jpac.nn.SampledJointBilateral;
import org.jpac.nn.Sampling;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.UpsamplingNetwork;

/**
 * {@code jpac upsample}: joint upsampling of a low-resolution target (depth,
 * flow, any per-pixel field) guided by a high-resolution image, with one of the
 * networks of {@code org.jpac.nn}. As the reference's pipeline does, each
 * target channel is scaled to [0, 1] by its low-resolution minimum and maximum
 * before the network and back afterwards ({@code --raw} skips that).
 */
final class UpsampleCommand extends CliCommand {

    static final String USAGE = String.join("\n",
            "usage: jpac upsample --guide IMG --low IMG --factor N --model pac|lite|djif|jbu|bilinear"
                    + " [--weights FILE] --out IMG [options]",
            "  Upsamples --low (depth, flow, ...) by N, guided by --guide, whose size must be N times --low's.",
            "  The guide is taken in [0, 1] (8-bit 255 = 1); each channel of --low is scaled to [0, 1] by its",
            "  minimum and maximum before the network and back after it, as the reference pipeline does.",
            "  --model pac       PacJointUpsample (paper Sec. 4); needs --weights, except at 4x, 8x and 16x,",
            "                    where jpac bundles models trained on synthetic scenes for both --sampling",
            "          lite      PacJointUpsampleLite (factor 4, 8 or 16); needs --weights",
            "          djif      DJIF, the deep joint filtering baseline; needs --weights",
            "          jbu       joint bilateral upsampling (JointBilateral; --jbu-* below); no weights needed",
            "          bilinear  bilinear upsampling; no weights, the guide only sets the size",
            "  --weights FILE    .safetensors or PyTorch .pth state dict (safetensors metadata 'model'/'args',",
            "                    as in jpac's golden files, also set the network's architecture; 'target_residual:",
            "                    bilinear', from jpac train --residual, adds bilinear upsampling to its output)",
            "  --out IMG         .png, .npy or .pfm (else the format of --low); float input written as PNG is",
            "                    taken to be in [0, 1] unless --depth-scale is given",
            "  --depth-scale S   integer samples of --low are divided by S (e.g. 1000: millimetres to metres)",
            "                    and PNG output samples are value * S; default 1 for integer input; 1e-30..1e30",
            "  --bits 8|16       PNG output depth (default: that of --low, or 16)",
            "  --npy-layout auto|hwc|chw   how 3-D .npy arrays are laid out (auto: HxWxC when C <= 4)",
            "  --raw             run the network on the values as they are (no min/max scaling)",
            "  --sampling center|area  how --low was made from full resolution: one sample per block at pixel",
            "                    (f-1)//2 (a point sample; a sensor), or the block's average (the default); JBU",
            "                    and bilinear place the samples there, a model must have been trained for it",
            "  Holes: a 0 in integer --low (16-bit PNG depth) and NaN in float --low are missing samples: JBU and",
            "  bilinear skip them (weights renormalised), the networks see them filled from their neighbours;",
            "  the output has a value everywhere.",
            "  --no-holes        0 is a depth like any other and NaN is refused (see --allow-nonfinite)",
            "  --jbu-kernel K    JBU window in output pixels (odd; default 4*N-1)",
            "  --jbu-sigma-space S  JBU spatial sigma in output pixels (default N; 1e-6..1e6)",
            "  --jbu-sigma-color C  JBU colour sigma, guide in [0, 1] (default 0.1; 1e-6..1e6)",
            FiniteValues.HELP,
            "  --quiet           no progress lines on stderr");

    @Override
    String name() {
        return "upsample";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("--guide", "--low", "--factor", "--model", "--weights", "--out", "--depth-scale", "--bits",
                "--npy-layout", "--jbu-kernel", "--jbu-sigma-space", "--jbu-sigma-color", "--sampling");
    }

    @Override
    Set<String> flags() {
        return Set.of("--raw", "--no-holes", FiniteValues.OPTION);
    }

    @Override
    List<String> inputOptions() {
        return List.of("--guide", "--low", "--weights");
    }

    @Override
    List<String> outputOptions() {
        return List.of("--out");
    }

    /** The --model choices and the reference class names their weight files may name. */
    enum Model {
        PAC("pac", true, "PacJointUpsample"),
        LITE("lite", true, "PacJointUpsampleLite"),
        DJIF("djif", true, "DJIF", "DJIFWide"),
        JBU("jbu", false, "JointBilateral"),
        BILINEAR("bilinear", false, "Bilinear");

        final String option;
        final boolean needsWeights;
        final Set<String> classes;

        Model(String option, boolean needsWeights, String... classes) {
            this.option = option;
            this.needsWeights = needsWeights;
            this.classes = Set.of(classes);
        }

        static Model parse(String s) {
            for (Model m : values()) {
                if (m.option.equals(s)) {
                    return m;
                }
            }
            throw new AssertionError(s);
        }
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        Path guidePath = a.requiredPath("--guide");
        Path lowPath = a.requiredPath("--low");
        Path outPath = a.requiredPath("--out");
        a.required("--model");
        Model model = Model.parse(a.choice("--model", null, "pac", "lite", "djif", "jbu", "bilinear"));
        Path weightsPath = a.path("--weights");
        Sampling sampling = Sampling.parse(a.choice("--sampling", "area", "center", "area"), "--sampling");
        boolean holes = !a.flag("--no-holes");
        // --model pac has bundled weights at some factors (models/README.md); the others need a file.
        Integer bundledFactor = model == Model.PAC && weightsPath == null && a.has("--factor")
                ? a.integer("--factor", 0, 1, ModelLimits.MAX_FACTOR) : null;
        boolean bundled = bundledFactor != null && WeightsFile.hasBundled(bundledFactor);
        if (model.needsWeights && weightsPath == null && !bundled) {
            throw CliException.usage("--model " + model.option + " needs --weights FILE (trained "
                    + model.classes.iterator().next() + " weights; jpac bundles PacJointUpsample models for"
                    + " --model pac --factor " + WeightsFile.bundledFactors() + "; or use --model jbu or bilinear)");
        }
        if (model == Model.BILINEAR && weightsPath != null) {
            throw CliException.usage("--model bilinear has no weights; drop --weights");
        }
        Double unit = a.has("--depth-scale") ? a.positive("--depth-scale", 1, Args.Range.SCALE) : null;
        Integer bits = CliImages.bitsOption(a);
        NpyLayout optLayout = CliImages.layoutOption(a);
        NpyLayout layout = optLayout == null ? NpyLayout.AUTO : optLayout;
        FiniteValues finite = FiniteValues.of(a, progress);
        WeightsFile weights = bundled ? progress.step("read the bundled " + bundledFactor + "x model",
                () -> WeightsFile.bundled(bundledFactor, sampling))
                : weightsPath == null ? null
                : progress.step("read weights " + weightsPath, () -> WeightsFile.load("--weights", weightsPath,
                        finite));
        int factor = factor(a, weights);
        if (weights != null && model.needsWeights && !weights.samplings().contains(sampling)) {
            throw CliException.failure("--weights " + weights.path() + " were trained for low-resolution input made"
                    + " by " + Sampling.format(weights.samplings()) + ", not --sampling " + sampling.key()
                    + " (such a model does worse than bilinear on the protocol it did not see)");
        }

        try (Network net = build(model, factor, a, weights, progress, sampling)) {
            checkSizes(CliImages.size("--guide", guidePath, layout), CliImages.size("--low", lowPath, layout), factor);
            Image guideImg = finite.input("--guide", guidePath, progress.step("read guide " + guidePath,
                    () -> CliImages.read("--guide", guidePath, layout)));
            Image lowRead = progress.step("read low-resolution input " + lowPath,
                    () -> CliImages.read("--low", lowPath, layout));
            // with holes on, NaN is a hole, not an error: only infinities are checked
            Image lowImg = holes ? LowHoles.checked(finite, lowPath, lowRead) : finite.input("--low", lowPath,
                    lowRead);
            Image low = CliImages.data(holes ? LowHoles.marked(lowImg, progress) : lowImg, unit);
            long wantH = (long) low.height() * factor;
            long wantW = (long) low.width() * factor;
            CliImages.Output plan = CliImages.plan(outPath, lowImg, low.channels(), unit, bits, optLayout);
            Image guide = fitGuide(net, CliImages.guide(guideImg), progress);
            UpsamplingNetwork up = (UpsamplingNetwork) net;
            progress.note(String.format(Locale.ROOT, "%s x%d: %s -> %s, %d channel%s, sampling %s", describe(net),
                    factor, low.size(), CliImages.size(wantH, wantW), low.channels(), low.channels() == 1 ? "" : "s",
                    sampling.key()));
            // The library's upsampler does the min/max scaling around the network (unless --raw); it does
            // not own `net` here: the try block closes it.
            DepthUpsampler runner = DepthUpsampler.of(up, !a.flag("--raw"), holes);
            String n = describe(net);
            BackendPlacement.place(progress::note, n, runner::to);
            Image res = progress.step("running " + n, "ran " + n, () -> {
                try (Tensor t = low.toTensor(); Tensor gt = guide.toTensor(); Tensor o = runner.upsample(gt, t)) {
                    return Image.fromTensor(o);
                }
            });
            finite.result(res);
            progress.step("wrote " + outPath, () -> {
                CliImages.write(plan, res, progress);
                return null;
            });
        }
        return 0;
    }

    /** The guide must be {@code factor} times --low's size; checked from the files' headers, before decoding. */
    private static void checkSizes(Images.Size guide, Images.Size low, int factor) {
        long wantH = (long) low.height() * factor;
        long wantW = (long) low.width() * factor;
        if (guide.height() != wantH || guide.width() != wantW) {
            throw CliException.failure("--guide is " + guide + " but --low is " + low + " and factor " + factor
                    + " needs a " + CliImages.size(wantH, wantW) + " guide");
        }
    }

    /** --factor, or the factor of a weight file's args; checked against the file. */
    private static int factor(Args a, WeightsFile w) {
        Integer fromFile = null;
        if (w != null && w.describesModel()) {
            try {
                fromFile = ModelArgs.parse(w.model(), w.args()).getInt("factor", -1, 1, ModelLimits.MAX_FACTOR);
            } catch (IllegalArgumentException e) {
                throw CliException.failure("--weights " + w.path() + ": bad 'args' metadata: " + e.getMessage());
            }
            if (fromFile < 1) {
                fromFile = null;
            }
        }
        if (!a.has("--factor")) {
            if (fromFile == null) {
                throw CliException.usage("--factor is required");
            }
            return fromFile;
        }
        int f = a.integer("--factor", 0, 1, ModelLimits.MAX_FACTOR);
        if (fromFile != null && fromFile != f) {
            throw CliException.failure("--weights " + w.path() + " are for factor " + fromFile + ", not --factor " + f);
        }
        return f;
    }

    private static Network build(Model model, int factor, Args a, WeightsFile w, Progress progress,
                                 Sampling sampling) {
        Network net;
        if (w != null && w.describesModel()) {
            if (!model.classes.contains(w.model())) {
                throw CliException.failure("--weights " + w.path() + " hold a " + w.model() + ", not a --model "
                        + model.option + " network (" + String.join(" or ", model.classes) + ")");
            }
            if (model == Model.JBU && (a.has("--jbu-kernel") || a.has("--jbu-sigma-space")
                    || a.has("--jbu-sigma-color"))) {
                progress.warn("--jbu-* options are ignored: the weight file sets the JointBilateral arguments");
            }
            try {
                net = w.build(ModelArgs.parse(w.model(), w.args()));
            } catch (IllegalArgumentException e) {
                throw CliException.failure("--weights " + w.path() + ": cannot build " + w.model() + ": "
                        + e.getMessage());
            }
        } else {
            try {
                net = switch (model) {
                    case PAC -> new PacJointUpsample(factor);
                    case LITE -> new PacJointUpsampleLite(factor);
                    case DJIF -> new DJIF(factor);
                    case BILINEAR -> new SampledBilinear(factor, sampling, !a.flag("--no-holes"));
                    case JBU -> jbu(factor, a, sampling);
                };
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--model " + model.option + " with --factor " + factor + ": "
                        + e.getMessage());
            }
        }
        if (w != null) {
            try {
                w.loadInto(net, describe(net));
            } catch (RuntimeException e) {
                net.close();
                throw e;
            }
            net = w.withSkip(net, describe(net));
        }
        return net;
    }

    /** JBU defaults: colour sigma (guide in [0, 1]). */
    static final double JBU_SIGMA_COLOR = 0.1;

    /** JBU default window for a factor: {@code 4 * factor - 1} output pixels. */
    static int jbuKernel(int factor) {
        return 4 * factor - 1;
    }

    /** JBU default spatial sigma for a factor, in output pixels. */
    static double jbuSigmaSpace(int factor) {
        return factor;
    }

    private static SampledJointBilateral jbu(int factor, Args a, Sampling sampling) {
        int k = a.integer("--jbu-kernel", jbuKernel(factor), 1, ModelLimits.MAX_KERNEL_SIZE);
        if (k % 2 == 0) {
            throw CliException.usage("--jbu-kernel must be odd, got " + k);
        }
        double ss = a.positive("--jbu-sigma-space", jbuSigmaSpace(factor), Args.Range.SIGMA);
        double sc = a.positive("--jbu-sigma-color", JBU_SIGMA_COLOR, Args.Range.SIGMA);
        return new SampledJointBilateral(factor, sampling, k, ss, sc, !a.flag("--no-holes"));
    }

    private static String describe(Network net) {
        if (net instanceof UpsamplingNetwork u && TargetSkip.of(u) != TargetSkip.NONE) {
            return describe(TargetSkip.inner(u)) + TargetSkip.of(u).suffix();
        }
        if (net instanceof SampledJointBilateral j) {
            return String.format(Locale.ROOT, "joint bilateral upsampling (kernel %d, sigma_space %.3g, sigma_color "
                    + "%.3g)", j.kernelSize(), j.sigmaSpace(), j.sigmaColor());
        }
        if (net instanceof SampledBilinear) {
            return "Bilinear";
        }
        if (net instanceof JointBilateral j) {
            return String.format(Locale.ROOT, "JointBilateral(kernel %d, sigma_space %.3g, sigma_color %.3g)",
                    j.kernelSize(), 1 / j.scaleSpace(), 1 / j.scaleColor());
        }
        return net.getClass().getSimpleName();
    }

    /** A grey guide is repeated to the network's guide channels; other mismatches are errors. */
    private static Image fitGuide(Network net, Image guide, Progress progress) {
        int extra = 0; // the JBU skip appends its upsampling to the guide
        if (net instanceof UpsamplingNetwork u && TargetSkip.of(u) != TargetSkip.NONE) {
            extra = TargetSkip.of(u) == TargetSkip.JBU ? 1 : 0;
            net = TargetSkip.inner(u);
        }
        if (!(net instanceof PacJointUpsample || net instanceof DJIF)) {
            return guide;
        }
        int want = (net instanceof PacJointUpsample p ? p.guideChannels() : ((DJIF) net).guideChannels()) - extra;
        if (guide.channels() == want) {
            return guide;
        }
        if (guide.channels() == 1) {
            progress.note("grey guide repeated to " + want + " channels");
            float[] d = new float[want * guide.pixels()];
            for (int c = 0; c < want; c++) {
                System.arraycopy(guide.data(), 0, d, c * guide.pixels(), guide.pixels());
            }
            return Image.of(d, want, guide.height(), guide.width());
        }
        throw CliException.failure("--guide has " + guide.channels() + " channels, " + net.getClass().getSimpleName()
                + " takes " + want);
    }
}
