package org.jpac.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.nn.Bilinear;
import org.jpac.nn.BilinearResidual;
import org.jpac.nn.JointBilateral;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.TrainableUpsampler;

/**
 * A whole training run ({@code jpac train upsample}): builds the network, the
 * optimizer, the schedule and the data, optionally resumes from a checkpoint,
 * and trains epoch by epoch, printing progress (loss, throughput, time left),
 * the validation error on the held-out synthetic set after every epoch, and
 * writing a checkpoint after every epoch and when it stops (at the end, or
 * when the time limit is reached). The trained model is written to
 * {@link TrainConfig#out} at the end (and when stopped early).
 */
public final class TrainingLoop {

    /** Seconds between progress lines. */
    static final double PROGRESS_SECONDS = 15;

    /** What a run did. */
    public record Result(long steps, long totalSteps, double lastLoss, List<Double> validation,
                         double bilinearValidation, double jbuValidation, boolean stoppedEarly) {
    }

    private TrainingLoop() {
    }

    /** The data of a run: a folder's layout (NYU Depth V2 or MPI-Sintel), or synthetic RGB-D. */
    public static SampleSource openData(Path dir, long seed) throws IOException {
        return openData(dir, seed, "basic");
    }

    /** As {@link #openData(Path, long)}, with the synthetic scenes named by {@code scenes} (basic, world). */
    public static SampleSource openData(Path dir, long seed, String scenes) throws IOException {
        if (dir == null) {
            if (seed == SyntheticRgbd.HELD_OUT_SEED || seed == SyntheticRgbd.VALIDATION_SEED) {
                throw new IllegalArgumentException("seed: " + seed + " is the " + (seed == SyntheticRgbd.HELD_OUT_SEED
                        ? "held-out test" : "validation") + " set's seed; choose another");
            }
            return synthetic(scenes, seed);
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory");
        }
        if (NyuDepth.looksLike(dir)) {
            return new NyuDepth(dir);
        }
        if (SintelFlow.looksLike(dir)) {
            return new SintelFlow(dir, "clean");
        }
        throw new IOException(dir + ": neither NYU Depth V2 PNGs (rgb/, depth/) nor MPI-Sintel (flow/, clean/)");
    }

    /** The synthetic scenes {@code basic} or {@code world} of {@code seed}. */
    public static SampleSource synthetic(String scenes, long seed) {
        return switch (scenes) {
            case "basic" -> new SyntheticRgbd(seed);
            case "world" -> new SyntheticWorld(seed);
            default -> throw new IllegalArgumentException("scenes: expected one of " + TrainConfig.SCENES + ", got '"
                    + scenes + "'");
        };
    }

    /**
     * Runs the training described by {@code c}.
     *
     * @param c the settings
     * @param log where progress is printed
     * @return what the run did
     * @throws IOException if the data, a checkpoint or the model cannot be read or written
     */
    public static Result run(TrainConfig c, PrintStream log) throws IOException {
        SampleSource src = openData(c.data(), c.seed(), c.scenes());
        DataStream data = new DataStream(src, c.seed(), c.batch(), c.crop(), c.factor(), c.stepsPerEpoch(),
                c.lowRes());
        Map<String, String> identity = c.identity(src.describe());
        try (TrainableUpsampler net = Models.create(c.model(), c.skip(), c.factor(), c.seed(),
                c.lowRes().samplingSet())) {
            Optimizer opt = c.optimizer().equals("adam")
                    ? new Adam(c.lr(), 0.9, 0.999, 1e-8, c.weightDecay(), false)
                    : new Sgd(c.lr(), c.momentum(), 0, c.weightDecay(), false);
            StepLr schedule = c.lrStep() > 0 ? new StepLr(c.lr(), c.lrStep(), c.lrGamma())
                    : new StepLr(c.lr(), Integer.MAX_VALUE, 1);
            Loss loss = src.targetChannels() != 1 ? new EndPointError()
                    : c.loss().equals("image-rmse") ? new ImageRmseLoss() : MseLoss.mse();
            Trainer trainer = new Trainer(net, opt, schedule, loss, data);
            if (c.init() != null && c.resume() == null) {
                Checkpoint.Contents init = Checkpoint.load(c.init());
                int n = WarmStart.apply(net, init.weights(), c.init().toString());
                log.printf(Locale.ROOT, "initialised %d of %d tensors from %s%n", n, net.parameters().size(),
                        c.init());
                if (c.skip() == TargetSkip.JBU && TargetSkip.of(init.metadata()) != TargetSkip.JBU) {
                    // its output layer predicted another correction; starting it at zero starts the run at JBU
                    Models.zeroLastLayer(c.model(), net);
                    log.println("output layer set to zero (the initial weights were not trained on the JBU skip)");
                }
            }
            if (c.resume() != null) {
                resume(c.resume(), identity, net, opt, trainer);
                log.printf(Locale.ROOT, "resumed from %s at step %d (epoch %d)%n", c.resume(), trainer.step(),
                        trainer.epoch());
            }
            Device at = Jpac.placeOnBackend(net::to, why -> log.println("training on the CPU: " + why));
            long total = c.epochs() * data.stepsPerEpoch();
            log.printf(Locale.ROOT, "training %s%s x%d on %s (low-resolution input: %s): %d epochs of %d steps, "
                            + "batch %d, crop %d, %s, %d parameters%n", Models.className(c.model()),
                    c.skip() == TargetSkip.NONE ? "" : " (+ " + c.skip().key() + ")", c.factor(), src.describe(), c.lowRes().describe(),
                    c.epochs(), data.stepsPerEpoch(), c.batch(), c.crop(), opt.describe(), count(net));
            if (!at.isCpu()) {
                log.println("the network trains on " + at + " (" + Jpac.backendReason() + "); the loss, the optimizer "
                        + "and the data stay on the CPU");
            }
            Validation val = Validation.of(c, src);
            try {
                return loop(c, trainer, total, val, identity, log);
            } finally {
                val.close();
            }
        }
    }

    private static long count(TrainableUpsampler net) {
        return net.learnableParameters().values().stream().mapToLong(t -> t.numel()).sum();
    }

    private static Result loop(TrainConfig c, Trainer trainer, long total, Validation val,
                               Map<String, String> identity, PrintStream log) throws IOException {
        TrainableUpsampler net = trainer.model();
        double bil = Double.NaN;
        double jbu = Double.NaN;
        if (!val.isEmpty()) {
            bil = val.bilinear();
            jbu = val.jbu();
            log.printf(Locale.ROOT, "validation (%d synthetic %dx%d validation images per protocol, %s): bilinear RMSE "
                    + "%.4f, JBU RMSE %.4f, model RMSE %s%n", c.valCount(), c.valCrop(), c.valCrop(),
                    val.protocols(), bil, jbu, val.describe(val.errors(net)));
        }
        long spe = trainer.data().stepsPerEpoch();
        long start = System.nanoTime();
        long deadline = c.minutes() > 0 ? start + (long) (c.minutes() * 60e9) : Long.MAX_VALUE;
        long firstStep = trainer.step();
        long lastPrint = start;
        double sum = 0;
        int n = 0;
        double last = Double.NaN;
        List<Double> errors = new ArrayList<>();
        boolean stopped = false;
        while (trainer.step() < total) {
            if (System.nanoTime() >= deadline) {
                stopped = true;
                break;
            }
            last = trainer.trainStep();
            sum += last;
            n++;
            long now = System.nanoTime();
            long done = trainer.step();
            boolean epochEnd = done % spe == 0;
            if (epochEnd || (now - lastPrint) / 1e9 >= PROGRESS_SECONDS) {
                double secs = (now - start) / 1e9;
                double perStep = secs / (done - firstStep);
                double left = perStep * (total - done);
                if (deadline != Long.MAX_VALUE) {
                    left = Math.min(left, Math.max(0, (deadline - now) / 1e9));
                }
                log.printf(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.5f (mean of %d)  lr %.3g  %.1f samples/s"
                                + "  elapsed %s  left %s%n", (done - 1) / spe + 1, c.epochs(), done, total, sum / n, n,
                        trainer.optimizer().learningRate(), c.batch() / perStep, time(secs), time(left));
                sum = 0;
                n = 0;
                lastPrint = now;
            }
            if (epochEnd) {
                if (!val.isEmpty()) {
                    double[] e = val.errors(net);
                    errors.add(Validation.mean(e));
                    log.printf(Locale.ROOT, "epoch %d: validation RMSE %s (bilinear %.4f, JBU %.4f)%n", done / spe,
                            val.describe(e), bil, jbu);
                }
                saveCheckpoint(c, trainer, identity);
            }
        }
        if (stopped) {
            saveCheckpoint(c, trainer, identity);
            log.printf(Locale.ROOT, "stopped after %s at step %d of %d; checkpoint %s (continue with --resume)%n",
                    time((System.nanoTime() - start) / 1e9), trainer.step(), total, c.checkpoint());
        }
        Map<String, String> meta = modelMetadata(c, identity, trainer.step());
        if (!errors.isEmpty()) {
            meta.put("train.val_rmse", String.format(Locale.ROOT, "%.6f", errors.get(errors.size() - 1)));
        }
        Checkpoint.saveModel(c.out(), net, meta);
        log.printf(Locale.ROOT, "wrote %s (%d steps)%n", c.out(), trainer.step());
        return new Result(trainer.step(), total, last, errors, bil, jbu, stopped);
    }

    private static Map<String, String> modelMetadata(TrainConfig c, Map<String, String> identity, long steps) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", Models.className(c.model()));
        m.put("args", Models.argsJson(c.factor(), c.skip().networkGuideChannels(3)));
        m.put("target_scaling", "minmax");
        m.put(org.jpac.model.DepthUpsampler.SAMPLING_KEY, org.jpac.nn.Sampling.format(c.lowRes().samplingSet()));
        if (c.skip() != TargetSkip.NONE) {
            m.put(BilinearResidual.METADATA_KEY, c.skip().key());
        }
        m.putAll(identity);
        m.put("train.steps", Long.toString(steps));
        if (c.init() != null) {
            m.put("train.init", c.init().getFileName().toString());
        }
        m.put("train.lr", Double.toString(c.lr()));
        return m;
    }

    private static void saveCheckpoint(TrainConfig c, Trainer trainer, Map<String, String> identity)
            throws IOException {
        Checkpoint.save(c.checkpoint(), trainer.model(), trainer.optimizer(), trainer.step(),
                modelMetadata(c, identity, trainer.step()));
    }

    private static void resume(Path file, Map<String, String> identity, TrainableUpsampler net, Optimizer opt,
                               Trainer trainer) throws IOException {
        Checkpoint.Contents ck = Checkpoint.load(file);
        List<String> diff = new ArrayList<>();
        for (Map.Entry<String, String> e : identity.entrySet()) {
            String had = ck.metadata().getOrDefault(e.getKey(), TrainConfig.IDENTITY_DEFAULTS.get(e.getKey()));
            if (!e.getValue().equals(had)) {
                diff.add(e.getKey().substring("train.".length()) + " " + (had == null ? "(none)" : "'" + had + "'")
                        + " there, '" + e.getValue() + "' now");
            }
        }
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException("resume: " + file + " is from a different run: " + String.join("; ",
                    diff));
        }
        net.loadStateDict(ck.weights());
        opt.loadState(ck.optimizerState(), ck.optimizerSteps());
        trainer.setStep(ck.step());
    }

    /** 1h02m, 3m05s, 12s. */
    static String time(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
