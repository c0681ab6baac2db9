package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.WeightFiles;
import org.jpac.nn.Bicubic;
import org.jpac.model.DepthUpsampler;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.SampledBilinear;
import org.jpac.nn.SampledJointBilateral;
import org.jpac.nn.Sampling;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelLimits;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.train.Batch;
import org.jpac.train.Checkpoint;
import org.jpac.train.DataStream;
import org.jpac.train.Evaluation;
import org.jpac.train.LowResProtocol;
import org.jpac.train.Models;
import org.jpac.train.SampleSource;
import org.jpac.train.SyntheticRgbd;
import org.jpac.train.TrainConfig;
import org.jpac.train.TrainingLoop;

/**
 * {@code jpac eval}: the error of a trained upsampling network and of the
 * bilinear and joint bilateral baselines on the held-out synthetic set or on a
 * dataset folder (RMSE for depth, end-point error for flow), the networks run
 * on min/max-scaled targets (see {@code jpac train}).
 */
final class EvalCommand {

    static final String USAGE = String.join("\n",
            "usage: jpac eval --model pac|lite|djif --weights FILE [--factor N] [--data DIR | --synthetic] [options]",
            "  Prints the error (depth: mean per-image RMSE; flow: mean end-point error) of the model and of the",
            "  bilinear, joint bilateral (JBU) and bicubic baselines.",
            "  --weights FILE   a model or checkpoint from jpac train (or any state dict of the network)",
            "  --factor N       default: the factor in the file's metadata",
            "  --data DIR       NYU Depth V2 PNGs or MPI-Sintel (see jpac train); default: --synthetic, the",
            "                   held-out synthetic set that jpac train validates on",
            "  --count K        images (default 64 synthetic; every image of a folder)",
            "  --crop C         image size, a multiple of N (default 16*N synthetic; 0, the whole image, for a folder);",
            "                   K*C*C at most 2^28 pixels (the set is built in memory)",
            "  --scenes basic|world  which held-out synthetic scenes (default: those the model was trained on)",
            "  --sampling center|area  how the low-resolution input is made: one sample per block at pixel (f-1)//2,",
            "                   or the block average (default: area, or the model's one protocol); JBU, bilinear and",
            "                   bicubic place the samples accordingly",
            "  --holes F        this fraction of low-resolution samples missing (sensor-like holes, NaN; default 0):",
            "                   the model sees them filled, JBU and bilinear skip them, bicubic sees them filled");

    // package-private: CliArgumentsFuzzTest parses with the real options
    static final Set<String> VALUED = Set.of("--model", "--weights", "--factor", "--data", "--count",
            "--crop", "--scenes", "--sampling", "--holes");
    static final Set<String> FLAGS = Set.of("--synthetic");

    private EvalCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        for (String a : argv) {
            if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            }
        }
        try {
            Args a = Args.parse(argv, VALUED, FLAGS);
            if (a.has("--data") && a.has("--synthetic")) {
                throw CliException.usage("give --data DIR or --synthetic, not both");
            }
            a.required("--weights");
            Path wPath = a.path("--weights");
            try { // a directory or FIFO was called "no such file"
                org.jpac.io.images.Images.checkReadable(wPath);
            } catch (IOException e) {
                throw new IOException("--weights " + CliCommand.ioMessage(e), e);
            }
            Map<String, String> meta = metadata(wPath);
            String model = a.has("--model") ? a.choice("--model", null, Models.NAMES) : shortName(meta.get("model"));
            if (model == null) {
                throw CliException.usage("--model is required (the weight file does not name its network)");
            }
            if (meta.get("model") != null && !meta.get("model").equals(Models.className(model))) {
                throw new IOException("--weights " + wPath + " hold a " + meta.get("model") + ", not a --model "
                        + model + " (" + Models.className(model) + ")");
            }
            Integer fileFactor = meta.get("args") == null ? null : fileFactor(wPath, meta);
            int factor = a.integer("--factor", fileFactor == null ? 0 : fileFactor, 2, ModelLimits.MAX_FACTOR);
            if (factor < 2) {
                throw CliException.usage("--factor is required (the weight file does not give it)");
            }
            if (fileFactor != null && fileFactor != factor) {
                throw new IOException("--weights " + wPath + " are for factor " + fileFactor + ", not --factor "
                        + factor);
            }
            Path data = a.path("--data");
            String scenes = a.choice("--scenes", meta.getOrDefault("train.scenes", "basic"), TrainConfig.SCENES);
            SampleSource src = data == null ? TrainingLoop.synthetic(scenes, SyntheticRgbd.HELD_OUT_SEED)
                    : TrainingLoop.openData(data, 0);
            Set<Sampling> trained = meta.get(DepthUpsampler.SAMPLING_KEY) == null ? Set.of(Sampling.AREA)
                    : Sampling.parseSet(meta.get(DepthUpsampler.SAMPLING_KEY), "--weights metadata 'sampling'");
            Sampling sampling = Sampling.parse(a.choice("--sampling", trained.size() == 1
                    ? trained.iterator().next().key() : "area", "center", "area"), "--sampling");
            double holes = a.number("--holes", 0, 0, 0.9);
            int count = a.integer("--count", data == null ? 64 : Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
            int crop = a.integer("--crop", data == null ? 16 * factor : 0, data == null ? factor : 0, 4096);
            if (crop % factor != 0 || (data == null && crop == 0)) {
                throw CliException.usage("--crop must be a positive multiple of --factor " + factor
                        + (data == null ? "" : " or 0") + ", got " + crop);
            }
            if (data == null || a.has("--count")) { // a folder's whole images are as many as it holds
                TrainCommand.capPixels("--count", count, "--crop", crop, "evaluation set");
            }
            StateDict weights = weights(wPath);
            FiniteValues.strict().weights("--weights", wPath, weights);
            List<Batch> set = DataStream.fixedSet(src, SyntheticRgbd.HELD_OUT_SEED, count, crop, factor,
                    LowResProtocol.of(sampling, holes));
            TargetSkip skip;
            TrainableUpsampler created;
            try {
                skip = TargetSkip.of(meta);
                created = Models.create(model, skip, factor, 0, trained);
            } catch (IllegalArgumentException e) {
                set.forEach(Batch::close);
                throw new IOException("--weights " + wPath + ": " + e.getMessage());
            }
            try (TrainableUpsampler net = created) {
                net.loadStateDict(weights);
                String metric = Evaluation.metric(src.targetChannels());
                String size = crop > 0 ? crop + "x" + crop : "whole";
                out.printf(Locale.ROOT, "%s x%d on %d %s images of %s, low-resolution input %s%s:%n", metric, factor,
                        set.size(), size, src.describe(), sampling.key(), holes > 0 ? String.format(Locale.ROOT,
                        " with %.0f%% holes", 100 * holes) : "");
                if (!trained.contains(sampling)) {
                    err.println("jpac eval: warning: the model was trained for " + Sampling.format(trained)
                            + ", not " + sampling.key());
                }
                out.printf(Locale.ROOT, "  %-30s %.4f%n", Models.className(model) + skip.suffix(),
                        Evaluation.error(net, set));
                out.printf(Locale.ROOT, "  %-30s %.4f%n", "bilinear", Evaluation.error(new SampledBilinear(factor,
                        sampling), set));
                out.printf(Locale.ROOT, "  %-30s %.4f%n", "JBU", Evaluation.error(SampledJointBilateral.defaults(factor,
                        sampling), set));
                out.printf(Locale.ROOT, "  %-30s %.4f%n", "bicubic", Evaluation.error(new Bicubic(factor, sampling),
                        set));
            } finally {
                set.forEach(Batch::close);
            }
            return 0;
        } catch (IOException e) {
            err.println("jpac eval: " + CliCommand.oneLine(e.getMessage()));
            return 1;
        } catch (UncheckedIOException e) {
            err.println("jpac eval: " + CliCommand.oneLine(e.getCause().getMessage()));
            return 1;
        } catch (CliException e) {
            err.println("jpac eval: " + CliCommand.oneLine(e.getMessage())
                    + (e.exitCode() == 2 ? " (see jpac eval --help)" : ""));
            return e.exitCode();
        } catch (org.jpac.JpacException | IllegalArgumentException | IllegalStateException
                 | UnsupportedOperationException | OutOfMemoryError e) { // NativeMemoryError too
            return CliCommand.libraryError("jpac eval: ", e, err);
        }
    }

    /** The factor in the weight file's 'args' metadata, bounded as --factor is. */
    private static int fileFactor(Path file, Map<String, String> meta) throws IOException {
        try {
            return ModelArgs.parse(meta.getOrDefault("model", "model"), meta.get("args"))
                    .getInt("factor", 0, 1, ModelLimits.MAX_FACTOR);
        } catch (IllegalArgumentException e) {
            throw new IOException("--weights " + file + ": bad 'args' metadata: " + e.getMessage());
        }
    }

    private static String shortName(String className) {
        if (className == null) {
            return null;
        }
        for (String n : Models.NAMES) {
            if (Models.className(n).equals(className)) {
                return n;
            }
        }
        return null;
    }

    private static Map<String, String> metadata(Path file) throws IOException {
        if (WeightFiles.detect(file) != WeightFiles.Format.SAFETENSORS) {
            return Map.of();
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.metadata();
        }
    }

    /** The network's weights; a checkpoint's optimizer state is left out. */
    private static StateDict weights(Path file) throws IOException {
        if (WeightFiles.detect(file) == WeightFiles.Format.SAFETENSORS) {
            return Checkpoint.load(file).weights();
        }
        return WeightFiles.load(file);
    }
}
