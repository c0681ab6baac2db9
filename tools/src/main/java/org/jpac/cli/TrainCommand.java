package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jpac.model.CrfRefiner;
import org.jpac.nn.PacCRF;
import org.jpac.train.SyntheticSegmentation;

import org.jpac.nn.ModelLimits;
import org.jpac.nn.Sampling;
import org.jpac.nn.TargetSkip;
import org.jpac.train.LowResProtocol;
import org.jpac.train.Models;
import org.jpac.train.PhotoTextures;
import org.jpac.train.TrainConfig;
import org.jpac.train.TrainingLoop;

/**
 * {@code jpac train upsample}: trains a joint upsampling network in Java
 * ({@link TrainingLoop}). Progress goes to stderr, the summary to stdout.
 * Exit codes: 0 done (also when stopped by --minutes, with a checkpoint),
 * 1 failure, 2 usage error.
 */
final class TrainCommand {

    private static final String CRF_USAGE_START = "usage: jpac train crf";

    static final String USAGE = String.join("\n",
            "usage: jpac train upsample --factor N --model pac|lite|djif [--data DIR | --synthetic] --epochs E"
                    + " --out FILE [options]",
            "  Trains a joint upsampling network (depth: MSE loss; optical flow: end-point error) with Adam,",
            "  on min/max-scaled targets as the reference pipeline (and jpac upsample) does.",
            "  --data DIR          NYU Depth V2 PNGs (DIR/rgb/*.png, DIR/depth/*.png 16-bit mm) or MPI-Sintel",
            "                      (DIR/flow/SCENE/*.flo, DIR/clean/SCENE/*.png)",
            "  --synthetic         synthetic RGB-D scenes (the default)",
            "  --scenes basic|world  which synthetic scenes: basic (flat shapes, SyntheticRgbd; the default) or",
            "                      world (ray-cast rooms with curved and thin objects, pictures, shadows, sensor",
            "                      quantisation; SyntheticWorld); validation uses the same kind's held-out scenes",
            "  --sampling center|area|both  how the low-resolution input is made: one sample per block at pixel",
            "                      (f-1)//2, the block average (the default), or either, drawn per example;",
            "                      recorded in the model's metadata",
            "  --holes F           up to this fraction of low-resolution samples missing (sensor-like holes, in",
            "                      half the examples; filled before the network as jpac upsample fills them;",
            "                      default 0)",
            "  --out FILE          the trained model (.safetensors, with 'model'/'args' metadata)",
            "  --seed S            initial weights, data order and synthetic scenes (default 1)",
            "  --batch B           images per step (default 4)",
            "  --crop C            training crop size, a multiple of N (default 8*N); B*C*C at most 2^28 pixels",
            "  --lr LR             learning rate (default 1e-3)",
            "  --optimizer adam|sgd  (default adam; sgd uses --momentum, default 0.9)",
            "  --weight-decay W    L2 weight decay (default 0)",
            "  --lr-step E --lr-gamma G  multiply the learning rate by G every E epochs (default: constant)",
            "  --steps-per-epoch K  steps per epoch with synthetic data (default 100)",
            "  --val-count K --val-crop C  held-out synthetic validation images (default 16 of 16*N, 0: none;",
            "                      K*C*C at most 2^28 pixels)",
            "  --checkpoint FILE   checkpoint with optimizer state, written every epoch (default OUT.ckpt.safetensors)",
            "  --resume CKPT       continue a run from its checkpoint (same settings; --epochs may grow)",
            "  --minutes M         stop after M minutes with a checkpoint and the model so far",
            "  --residual          learn the correction to bilinear upsampling (output = network + bilinear);",
            "                      recorded in the model's metadata, which jpac upsample and eval follow",
            "  --skip none|bilinear|jbu  what the output is added to (--residual is --skip bilinear); jbu: joint",
            "                      bilateral upsampling, also given to the network as a guide channel, its last",
            "                      layer starting at zero so the untrained model is JBU; needs one --sampling",
            "  --loss mse|image-rmse  depth loss: the batch's MSE of the scaled targets (default), or the mean of",
            "                      each image's RMSE (the metric's form; an image with a huge error cannot drown",
            "                      the others)",
            "  --init FILE         start from these weights (every tensor whose key and shape match, e.g. an 8x",
            "                      model's for a 4x or 16x one); the optimizer starts afresh",
            "  --quiet             no progress lines",
            CRF_USAGE_START + " [--steps N] [--seed S] [--lr LR] [--out FILE.safetensors] [options]",
            "  Trains the jpac crf default PAC-CRF (5 steps, Potts terms, learned guide projections) on synthetic",
            "  scenes with coarse segmenter scores at 1/1 to 1/16 (a new scene every step; cross-entropy, Adam);",
            "  prints held-out mIoU of the scores, the untrained and the trained CRF. --out writes weights for",
            "  jpac crf --weights.",
            "  --steps N (default 200)  --seed S (default 1)  --lr LR (default 0.01)",
            "  --size HxW          training scene size (default 144x192)  --held-out K  scenes (default 16)",
            "  --photos DIR|none   photographs for the scenes' surfaces (JPEG/PNG; training and held-out scenes",
            "                      use different ones); default " + PhotoTextures.DEBIAN_DIR,
            "                      (apt-get install mate-backgrounds) if there, else procedural textures only",
            "  --no-projection     Potts terms without learned guide projections (the CRF bundled before)",
            "  --fine-odds P       how often a step draws already-fine scores (default 0.2; the coarse factors",
            "                      share the rest)",
            "  --table SEEDS       then the held-out table: scores at 1/4, 1/8, 1/16 and already fine, untrained",
            "                      vs bundled vs trained CRF, SEEDS seeds of --table-count scenes (default 16)",
            "                      of --table-size (default 240x320)",
            "  --compare A[,B..]   more columns in the table: CRFs from these weight files (e.g. earlier runs;",
            "                      with --steps 0 the table has these, the untrained and the bundled CRF)",
            "  --table-set S       held-out (default: scenes and photographs training never sees) or validation",
            "                      (new scenes wearing the training photographs, for choosing settings such as",
            "                      --fine-odds without looking at the held-out set)");

    // package-private: CliArgumentsFuzzTest parses with the real options
    static final Set<String> VALUED = Set.of("--factor", "--model", "--data", "--epochs", "--out", "--seed",
            "--batch", "--crop", "--lr", "--optimizer", "--momentum", "--weight-decay", "--lr-step", "--lr-gamma",
            "--steps-per-epoch", "--val-count", "--val-crop", "--checkpoint", "--resume", "--minutes", "--scenes",
            "--sampling", "--holes", "--init", "--skip", "--loss");
    static final Set<String> CRF_VALUED = Set.of("--steps", "--seed", "--lr", "--out", "--size",
            "--held-out", "--table", "--table-count", "--table-size", "--photos", "--fine-odds", "--compare",
            "--table-set");
    static final Set<String> FLAGS = Set.of("--synthetic", "--quiet", "--residual");
    static final Set<String> CRF_FLAGS = Set.of("--synthetic", "--quiet", "--residual", "--no-projection");

    private TrainCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        boolean crf = argv.length > 0 && argv[0].equals("crf");
        boolean upsample = argv.length > 0 && argv[0].equals("upsample");
        // the task's own usage: train crf's errors used to print train upsample's
        String usage = crf ? USAGE.substring(USAGE.indexOf(CRF_USAGE_START))
                : upsample ? USAGE.substring(0, USAGE.indexOf(CRF_USAGE_START)).stripTrailing() : USAGE;
        for (String a : argv) {
            if (a.equals("-h") || a.equals("--help")) {
                out.println(usage);
                return 0;
            }
        }
        try {
            if (argv.length > 0 && argv[0].equals("crf")) {
                return trainCrf(Args.parse(java.util.Arrays.copyOfRange(argv, 1, argv.length), CRF_VALUED,
                        CRF_FLAGS), out, err);
            }
            if (argv.length == 0 || !argv[0].equals("upsample")) {
                throw CliException.usage(argv.length == 0 ? "what to train? (jpac train upsample|crf ...)"
                        : "unknown task '" + argv[0] + "' (only 'upsample' or 'crf')");
            }
            Args a = Args.parse(java.util.Arrays.copyOfRange(argv, 1, argv.length), VALUED, FLAGS);
            TrainConfig c = config(a);
            // before training: a bad destination found when saving would cost the run
            CliImages.checkOutPath("--out", c.out());
            CliImages.checkOutPath("--checkpoint", c.checkpoint());
            PrintStream log = a.has("--quiet") ? new PrintStream(PrintStream.nullOutputStream()) : err;
            TrainingLoop.Result r = TrainingLoop.run(c, log);
            out.printf(Locale.ROOT, "trained %s x%d: %d of %d steps%s, last loss %.5f%n",
                    Models.className(c.model()), c.factor(), r.steps(), r.totalSteps(),
                    r.stoppedEarly() ? " (stopped by --minutes)" : "", r.lastLoss());
            if (!r.validation().isEmpty()) {
                out.printf(Locale.ROOT, "validation RMSE %.4f (bilinear %.4f, JBU %.4f)%n",
                        r.validation().get(r.validation().size() - 1), r.bilinearValidation(), r.jbuValidation());
            }
            out.println("model: " + c.out());
            out.println("checkpoint: " + c.checkpoint());
            return 0;
        } catch (CliException e) {
            err.println("jpac train: " + CliCommand.oneLine(e.getMessage()) + (e.exitCode() != 2 ? ""
                    : " (see jpac train" + (crf ? " crf" : upsample ? " upsample" : "") + " --help)"));
            return e.exitCode();
        } catch (IOException e) {
            err.println("jpac train: " + CliCommand.oneLine(CliCommand.ioMessage(e)));
            return 1;
        } catch (UncheckedIOException e) {
            err.println("jpac train: " + CliCommand.oneLine(CliCommand.ioMessage(e.getCause())));
            return 1;
        } catch (org.jpac.JpacException | IllegalArgumentException | IllegalStateException
                 | UnsupportedOperationException | OutOfMemoryError e) { // NativeMemoryError too
            return CliCommand.libraryError("jpac train: ", e, err);
        }
    }

    private static int trainCrf(Args a, PrintStream out, PrintStream err) throws IOException {
        int[] hw = size(a, "--size", "144x192");
        int h = hw[0];
        int w = hw[1];
        PrintStream log = a.has("--quiet") ? new PrintStream(PrintStream.nullOutputStream()) : err;
        PhotoTextures photos = photos(a, log);
        boolean projection = !a.has("--no-projection");
        CrfTraining.Settings st = new CrfTraining.Settings(a.integer("--steps", 200, 0, 10_000_000),
                a.longValue("--seed", 1), a.number("--lr", 0.01, 0, 10), h, w, a.integer("--held-out", 16, 1, 100_000),
                photos, projection, a.number("--fine-odds", CrfTraining.FINE_ODDS, 0, 1));
        int tableSeeds = a.integer("--table", 0, 0, 1000);
        int tableCount = a.integer("--table-count", 16, 1, 100_000);
        int[] tableSize = size(a, "--table-size", CrfEvaluation.HEIGHT + "x" + CrfEvaluation.WIDTH);
        CrfEvaluation.SceneSet tableSet = a.choice("--table-set", "held-out", "held-out", "validation")
                .equals("validation") ? CrfEvaluation.SceneSet.VALIDATION : CrfEvaluation.SceneSet.HELD_OUT;
        Path outPath = a.path("--out");
        List<Path> compare = compareFiles(a, outPath);
        if (outPath != null) {
            CliImages.checkOutPath("--out", outPath); // before training, not when saving after it
        }
        long t0 = System.nanoTime();
        try (PacCRF crf = CrfTraining.newCrf(SyntheticSegmentation.CLASSES, projection)) {
            CrfTraining training = new CrfTraining(st);
            CrfTraining.Result r = training.run(crf, log);
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT,
                    "trained PacCRF: %d steps, seed %d, lr %g, %dx%d scenes, %.1f s; loss %.4f -> %.4f%n",
                    st.steps(), st.seed(), st.lr(), w, h, seconds, r.firstLoss(), r.lastLoss());
            out.printf(Locale.ROOT, "held-out mIoU (%d scenes): scores %.2f %%, untrained CRF %.2f %%,"
                    + " trained CRF %.2f %%%n", st.heldOut(), 100 * r.unaryMiou(), 100 * r.untrainedMiou(),
                    100 * r.trainedMiou());
            out.printf(Locale.ROOT, "parameters: %s scale_space=%.2f scale_color=%.4f%n", CrfTraining.describe(crf),
                    training.edgeScales()[0], training.edgeScales()[1]);
            if (outPath != null) {
                training.save(outPath, crf, String.format(Locale.ROOT, "jpac train crf --steps %d --seed %d"
                        + " --lr %s --size %dx%d%s --fine-odds %s --photos %s (%.0f s)", st.steps(), st.seed(),
                        Double.toString(st.lr()), h, w, projection ? "" : " --no-projection",
                        Double.toString(st.fineOdds()),
                        photos == null ? "none" : photos.source() + " " + photos.names(), seconds));
                out.println("model: " + outPath);
            }
            if (tableSeeds > 0) {
                Map<String, CrfRefiner> crfs = new LinkedHashMap<>();
                try (CrfRefiner untrained = CrfRefiner.defaults(SyntheticSegmentation.CLASSES);
                     CrfRefiner bundled = CrfRefiner.bundled(SyntheticSegmentation.CLASSES);
                     CrfRefiner trained = training.refiner(crf)) {
                    crfs.put("untrained CRF", untrained);
                    crfs.put("bundled CRF", bundled);
                    if (st.steps() > 0) { // with no steps it is the untrained CRF
                        crfs.put("trained CRF", trained);
                    }
                    int own = crfs.size();
                    try {
                        for (Path f : compare) {
                            crfs.put(f.getFileName().toString(), CrfRefiner.load(f, SyntheticSegmentation.CLASSES));
                        }
                        CrfEvaluation.table(crfs, tableSet, new int[] {4, 8, 16, 1}, tableSeeds, tableCount,
                                tableSize[0], tableSize[1], tableSet == CrfEvaluation.SceneSet.VALIDATION
                                        ? st.trainingPhotos() : st.heldOutPhotos(), out);
                    } finally {
                        crfs.values().stream().skip(own).forEach(CrfRefiner::close);
                    }
                }
            }
        }
        return 0;
    }

    /**
     * The --compare files, checked before training: each must be a readable file and none the --out that
     * training writes before the table reads them.
     */
    private static List<Path> compareFiles(Args a, Path out) {
        if (!a.has("--compare")) {
            return List.of();
        }
        List<Path> files = new java.util.ArrayList<>();
        for (String f : a.required("--compare").split(",", -1)) {
            if (f.isBlank()) {
                throw CliException.usage("--compare: expected comma-separated weight files, got an empty name in '"
                        + a.required("--compare") + "'");
            }
            files.add(Args.toPath("--compare", f));
        }
        for (Path f : files) {
            refuseClash(SameFileGuard.clash(inputs("--compare", f), out == null ? Map.of()
                    : Map.of("--out", List.of(out))));
            try {
                org.jpac.io.images.Images.checkReadable(f);
            } catch (IOException e) {
                throw CliException.failure("cannot read --compare " + CliCommand.ioMessage(e));
            }
        }
        return files;
    }

    /**
     * --photos: a folder of photographs, {@code none}, or by default Debian's
     * (procedural textures, with a note, when that package is not installed).
     */
    private static PhotoTextures photos(Args a, PrintStream log) throws IOException {
        String v = a.has("--photos") ? a.required("--photos") : null;
        if ("none".equals(v)) {
            return null;
        }
        Path dir = v != null ? Path.of(v) : PhotoTextures.DEBIAN_DIR;
        if (v == null && !java.nio.file.Files.isDirectory(dir)) {
            log.println("note: no photographs at " + dir + " (apt-get install mate-backgrounds):"
                    + " procedural textures only");
            return null;
        }
        try {
            PhotoTextures p = PhotoTextures.load(dir);
            p.heldOutSet(); // at least 3, so that both sets have some
            log.println("photographs: " + p.trainingSet().names() + " for training, " + p.heldOutSet().names()
                    + " held out, from " + dir);
            return p;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--photos: " + e.getMessage());
        }
    }

    /** An image size option HxW within 16..4096. */
    private static int[] size(Args a, String option, String dflt) {
        String size = a.has(option) ? a.required(option) : dflt;
        String[] hw = size.split("x");
        try {
            int h = Integer.parseInt(hw[0]);
            int w = hw.length == 2 ? Integer.parseInt(hw[1]) : -1;
            if (hw.length == 2 && h >= 16 && w >= 16 && h <= 4096 && w <= 4096) {
                return new int[] {h, w};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw CliException.usage(option + ": expected HxW within 16..4096, got '" + size + "'");
    }

    /** --sampling and --holes. */
    private static LowResProtocol lowRes(Args a) {
        String s = a.choice("--sampling", "area", List.of("center", "area", "both"));
        List<Sampling> samplings = s.equals("both") ? List.of(Sampling.CENTER, Sampling.AREA)
                : List.of(Sampling.parse(s, "--sampling"));
        return new LowResProtocol(samplings, a.number("--holes", 0, 0, 0.9), false);
    }

    /** Most pixels (images x crop x crop) in one training batch, validation or evaluation set: 2^28. */
    static final long MAX_SET_PIXELS = 1L << 28;

    /**
     * Refuses {@code n} images of {@code crop x crop} beyond {@link #MAX_SET_PIXELS}: they are built in memory
     * at once (an --count of 2^31 grew without bound, a --batch 4096 of 4096x4096 crops asked for a terabyte).
     */
    static void capPixels(String nOpt, long n, String cropOpt, long crop, String what) {
        long pixels = n * crop * crop; // n < 2^31 and crop <= 4096: no overflow
        if (pixels > MAX_SET_PIXELS) {
            throw CliException.usage(String.format(Locale.ROOT, "%s %d x %s %d x %d is %d pixels per %s; at "
                    + "most %d (2^28): lower %s or %s", nOpt, n, cropOpt, crop, crop, pixels,
                    what, MAX_SET_PIXELS, nOpt, cropOpt));
        }
    }

    /** A same-file refusal (exit 2), when there is one. */
    private static void refuseClash(String clash) {
        if (clash != null) {
            throw CliException.usage(clash);
        }
    }

    /** One input option for {@link SameFileGuard#clash}, or none when not given. */
    private static Map<String, Path> inputs(String option, Path file) {
        return file == null ? Map.of() : Map.of(option, file);
    }

    /** Two output options for {@link SameFileGuard#clash}, in this order. */
    private static Map<String, List<Path>> outputs(String o1, Path f1, String o2, Path f2) {
        Map<String, List<Path>> m = new LinkedHashMap<>();
        m.put(o1, List.of(f1));
        m.put(o2, List.of(f2));
        return m;
    }

    static TrainConfig config(Args a) {
        int factor = a.integer("--factor", 0, 2, ModelLimits.MAX_FACTOR);
        if (!a.has("--factor")) {
            throw CliException.usage("--factor is required");
        }
        if (Integer.bitCount(factor) != 1) {
            throw CliException.usage("--factor must be a power of 2, got " + factor);
        }
        String model = a.choice("--model", null, Models.NAMES);
        if (model.equals("lite") && factor != 4 && factor != 8 && factor != 16) {
            throw CliException.usage("--model lite exists for factors 4, 8 and 16 only, not " + factor);
        }
        if (a.has("--data") && a.has("--synthetic")) {
            throw CliException.usage("give --data DIR or --synthetic, not both");
        }
        int epochs = a.integer("--epochs", 0, 1, 1_000_000);
        if (!a.has("--epochs")) {
            throw CliException.usage("--epochs is required");
        }
        a.required("--out");
        Path out = a.path("--out");
        int crop = a.integer("--crop", 8 * factor, factor, 4096);
        if (crop % factor != 0) {
            throw CliException.usage("--crop must be a multiple of --factor " + factor + ", got " + crop);
        }
        int valCrop = a.integer("--val-crop", 16 * factor, factor, 4096);
        if (valCrop % factor != 0) {
            throw CliException.usage("--val-crop must be a multiple of --factor " + factor + ", got "
                    + valCrop);
        }
        int batch = a.integer("--batch", 4, 1, 4096);
        capPixels("--batch", batch, "--crop", crop, "batch");
        int valCount = a.integer("--val-count", 16, 0, 100_000);
        capPixels("--val-count", valCount, "--val-crop", valCrop, "validation set");
        Path ckpt = a.has("--checkpoint") ? a.path("--checkpoint") : TrainConfig.defaultCheckpoint(out);
        if (SameFileGuard.same(ckpt, out)) {
            throw CliException.usage("--checkpoint must differ from --out");
        }
        Path resume = a.path("--resume");
        Path init = a.path("--init");
        // Resuming from the --checkpoint it keeps writing is how a run continues; a model over it is not.
        refuseClash(SameFileGuard.clash(inputs("--resume", resume), Map.of("--out", List.of(out))));
        // --init is read once at the start: the model or a checkpoint written over it would destroy it
        refuseClash(SameFileGuard.clash(inputs("--init", init), outputs("--out", out, "--checkpoint", ckpt)));
        if (a.has("--residual") && a.has("--skip")) {
            throw CliException.usage("give --residual or --skip, not both");
        }
        TargetSkip skip = a.has("--residual") ? TargetSkip.BILINEAR
                : TargetSkip.parse(a.choice("--skip", "none", List.of("none", "bilinear", "jbu")), "--skip");
        if (skip == TargetSkip.JBU && a.choice("--sampling", "area", List.of("center", "area", "both"))
                .equals("both")) {
            throw CliException.usage("--skip jbu needs --sampling center or area (one model per protocol)");
        }
        return new TrainConfig(model, skip, factor, a.path("--data"), epochs,
                a.integer("--steps-per-epoch", 100, 1, Integer.MAX_VALUE), a.longValue("--seed", 1),
                batch, crop, a.number("--lr", 1e-3, 0, 10),
                a.choice("--optimizer", "adam", List.of("adam", "sgd")), a.number("--momentum", 0.9, 0, 0.9999),
                a.number("--weight-decay", 0, 0, 1), a.integer("--lr-step", 0, 0, 1_000_000),
                a.number("--lr-gamma", 0.5, 1e-6, 1), valCount, valCrop,
                a.number("--minutes", 0, 0, 1e7), out, ckpt, resume, lowRes(a), init,
                a.choice("--scenes", "basic", TrainConfig.SCENES), a.choice("--loss", "mse", TrainConfig.LOSSES));
    }
}
