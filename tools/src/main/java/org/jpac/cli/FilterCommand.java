package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.jpac.io.images.NpyLayout;
import org.jpac.nn.ModelLimits;

/**
 * {@code jpac filter}: joint bilateral filtering as a special case of
 * pixel-adaptive pooling. {@link Pac#pool2dGuided} with a gaussian kernel,
 * {@code normalizeKernel} and the guide features
 * {@code [colour / sigma_color, y / sigma_space, x / sigma_space]} gives the
 * weights {@code exp(-|dc|^2 / (2 sigma_color^2) - |dp|^2 / (2 sigma_space^2))},
 * divided by their sum over the window (taps outside the image left out): the
 * joint bilateral filter. Window: {@code 2 * ceil(2 * sigma_space) + 1}.
 */
final class FilterCommand extends CliCommand {

    static final String USAGE = String.join("\n",
            "usage: jpac filter --in IMG [--guide IMG] --sigma-space S --sigma-color C --out IMG [options]",
            "  Joint bilateral filter of --in, with edges from --guide (default: --in itself), computed as",
            "  Pac.pool2dGuided with a normalized gaussian kernel on [colour/C, y/S, x/S].",
            "  --sigma-space S   spatial sigma in pixels (1e-6..1e6; the window must fit in 255 pixels)",
            "  --sigma-color C   colour sigma; guide samples are in [0, 1] (8-bit 255 = 1; 1e-6..1e6)",
            "  --kernel-size K   odd window size (default 2*ceil(2*S)+1)",
            "  --out IMG         .png, .npy or .pfm (else the format of --in)",
            "  --depth-scale S   integer samples of --in are divided by S, PNG output samples are value * S",
            "                    (1e-30..1e30)",
            "  --bits 8|16       PNG output depth (default: that of --in, or 16)",
            "  --npy-layout auto|hwc|chw   how 3-D .npy arrays are laid out (auto: HxWxC when C <= 4)",
            FiniteValues.HELP,
            "  --quiet           no progress lines on stderr");

    @Override
    String name() {
        return "filter";
    }

    @Override
    String usage() {
        return USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("--in", "--guide", "--sigma-space", "--sigma-color", "--kernel-size", "--out", "--depth-scale",
                "--bits", "--npy-layout");
    }

    @Override
    Set<String> flags() {
        return Set.of(FiniteValues.OPTION);
    }

    @Override
    List<String> inputOptions() {
        return List.of("--in", "--guide");
    }

    @Override
    List<String> outputOptions() {
        return List.of("--out");
    }

    @Override
    int execute(Args a, PrintStream out, Progress progress) throws IOException {
        Path inPath = a.requiredPath("--in");
        Path guidePath = a.has("--guide") ? a.requiredPath("--guide") : inPath;
        Path outPath = a.requiredPath("--out");
        a.required("--sigma-space");
        a.required("--sigma-color");
        double ss = a.positive("--sigma-space", 0, Args.Range.SIGMA);
        double sc = a.positive("--sigma-color", 0, Args.Range.SIGMA);
        // in double: a long cast of a huge sigma's window wrapped round and blamed --kernel-size
        double dflt = window(ss);
        if (!a.has("--kernel-size") && dflt > ModelLimits.MAX_KERNEL_SIZE) {
            throw CliException.usage(String.format(Locale.ROOT, "--sigma-space %s needs a %.0f-pixel window; the "
                    + "most is %d (or give --kernel-size)", a.required("--sigma-space"), dflt,
                    ModelLimits.MAX_KERNEL_SIZE));
        }
        int k = a.has("--kernel-size") ? a.integer("--kernel-size", 1, 1, ModelLimits.MAX_KERNEL_SIZE)
                : (int) dflt;
        if (k % 2 == 0) {
            throw CliException.usage("--kernel-size must be odd, got " + k);
        }
        Double unit = a.has("--depth-scale") ? a.positive("--depth-scale", 1, Args.Range.SCALE) : null;
        Integer bits = CliImages.bitsOption(a);
        NpyLayout optLayout = CliImages.layoutOption(a);
        NpyLayout layout = optLayout == null ? NpyLayout.AUTO : optLayout;

        FiniteValues finite = FiniteValues.of(a, progress);
        if (!guidePath.equals(inPath)) {
            Images.Size in = CliImages.size("--in", inPath, layout);
            Images.Size g = CliImages.size("--guide", guidePath, layout);
            if (!in.equals(g)) {
                throw CliException.failure("--guide is " + g + " but --in is " + in + "; they must have the same size");
            }
        }
        Image inImg = finite.input("--in", inPath, progress.step("read " + inPath,
                () -> CliImages.read("--in", inPath, layout)));
        Image guideImg = guidePath.equals(inPath) ? inImg : finite.input("--guide", guidePath,
                progress.step("read guide " + guidePath, () -> CliImages.read("--guide", guidePath, layout)));
        Image data = CliImages.data(inImg, unit);
        Image guide = CliImages.guide(guideImg);
        CliImages.Output plan = CliImages.plan(outPath, inImg, data.channels(), unit, bits, optLayout);
        progress.note(String.format(Locale.ROOT, "joint bilateral filter of %s, %dx%d window, sigma_space %.3g, "
                + "sigma_color %.3g", data.size(), k, k, ss, sc));
        Image result = progress.step("filtering", "filtered", () -> filter(data, guide, ss, sc, k));
        finite.result(result);
        progress.step("wrote " + outPath, () -> {
            CliImages.write(plan, result, progress);
            return null;
        });
        return 0;
    }

    /** The default window for a spatial sigma: {@code 2 * ceil(2 * sigma) + 1}. */
    static int kernelSize(double sigmaSpace) {
        return Math.toIntExact((long) window(sigmaSpace));
    }

    /** {@code 2 * ceil(2 * sigma) + 1} in double, so that no sigma overflows it. */
    private static double window(double sigmaSpace) {
        return 2 * Math.ceil(2 * sigmaSpace) + 1;
    }

    /** Joint bilateral filter of {@code data} with edges from {@code guide} (same size). */
    static Image filter(Image data, Image guide, double sigmaSpace, double sigmaColor, int k) {
        PacOptions opts = PacOptions.builder(k).padding(k / 2).normalizeKernel(true).build();
        try (Tensor in = data.toTensor(); Tensor g = features(guide, sigmaSpace, sigmaColor);
             Tensor o = Pac.pool2dGuided(in, g, null, null, null, opts)) {
            return Image.fromTensor(o);
        }
    }

    /** {@code [1, C + 2, H, W]}: the guide's channels / sigmaColor, then y / sigmaSpace, x / sigmaSpace. */
    static Tensor features(Image guide, double sigmaSpace, double sigmaColor) {
        int c = guide.channels();
        int h = guide.height();
        int w = guide.width();
        int n = h * w;
        float[] f = new float[(c + 2) * n];
        float ic = (float) (1 / sigmaColor);
        float is = (float) (1 / sigmaSpace);
        float[] g = guide.data();
        for (int i = 0; i < c * n; i++) {
            f[i] = g[i] * ic;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                f[c * n + y * w + x] = y * is;
                f[(c + 1) * n + y * w + x] = x * is;
            }
        }
        return Tensor.of(f, 1, c + 2, h, w);
    }
}
