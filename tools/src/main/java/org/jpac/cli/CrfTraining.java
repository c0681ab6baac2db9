package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.io.WeightFiles;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfGrads;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PairwiseKernel;
import org.jpac.train.Adam;
import org.jpac.train.CrossEntropyLoss;
import org.jpac.train.Loss;

/**
 * Trains a PAC-CRF in Java on {@link SyntheticScene}s: each step draws a
 * coarse, noisy segmentation of the scene ({@link SyntheticScene#noisyScores},
 * a new noise seed, block size and noise level per step), runs the CRF (the
 * {@code crf} command's default configuration, log-probability output),
 * takes the pixel-wise cross-entropy against the true labels, backpropagates
 * with {@link PacCRF#gradients} and updates the learnable parameters with
 * {@link Adam}. mIoU is measured on a fixed held-out set of segmentations
 * (noise seeds disjoint from the training seeds).
 */
final class CrfTraining {

    /** Held-out noise seeds start here; training seeds ({@code seed * 1_000_003 + step}, mod this) stay below. */
    static final long HELD_OUT_BASE = 1L << 40;

    record Settings(int steps, long seed, double lr, int height, int width, int heldOut) {
    }

    record Result(double unaryMiou, double untrainedMiou, double trainedMiou, double firstLoss, double lastLoss,
                  double[] losses) {
    }

    private final Settings s;
    private final SyntheticScene scene;
    private final int classes = SyntheticScene.CLASSES.length;
    private final int block;

    CrfTraining(Settings s) {
        this.s = s;
        this.scene = SyntheticScene.render(s.height(), s.width());
        // the demo's 16-pixel cells at 288x384, scaled to this size
        this.block = Math.max(2, (int) Math.round(16.0 * s.height() / 288));
    }

    /** The crf command's default CRF with log-probability output (for the cross-entropy). */
    static PacCRF newCrf(int classes) {
        return PacCRF.builder(classes, CrfCommand.DEFAULT_STEPS).finalOutput(CrfOutput.LOG_Q).perturbedInit(false)
                .seed(0)
                .pairwiseKernel(new PairwiseKernel(5, 16, 1, CompatType.POTTS, false, CrfCommand.DEFAULT_WEIGHTS[0]))
                .pairwiseKernel(new PairwiseKernel(5, 64, 1, CompatType.POTTS, false, CrfCommand.DEFAULT_WEIGHTS[1]))
                .build();
    }

    /** The constructor arguments of {@link #newCrf} as the reference's JSON (weight file metadata). */
    static String argsJson(int classes) {
        String k = "{\"kernel_size\":5,\"dilation\":%d,\"blur\":1,\"compat_type\":\"potts\","
                + "\"spatial_filter\":false,\"pairwise_weight\":%s}";
        return String.format(Locale.ROOT, "{\"channels\":%d,\"num_steps\":%d,\"final_output\":\"log_Q\","
                        + "\"perturbed_init\":false,\"fixed_weighting\":false,\"unary_weight\":1.0,"
                        + "\"pairwise_kernels\":[" + k + "," + k + "]}", classes, CrfCommand.DEFAULT_STEPS,
                16, Double.toString(CrfCommand.DEFAULT_WEIGHTS[0]), 64,
                Double.toString(CrfCommand.DEFAULT_WEIGHTS[1]));
    }

    /** Runs the training; the CRF is trained in place. */
    Result run(PacCRF crf, PrintStream log) {
        int h = s.height();
        int w = s.width();
        CrossEntropyLoss ce = new CrossEntropyLoss();
        float[] lab = new float[h * w];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = scene.labels[i];
        }
        try (Tensor img = Tensor.of(scene.rgb, 1, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, CrfCommand.DEFAULT_SCALE_SPACE, CrfCommand.DEFAULT_SCALE_COLOR);
             Tensor labels = Tensor.of(lab, 1, 1, h, w)) {
            double[] before = heldOutMiou(crf, edge);
            log.printf(Locale.ROOT, "held-out (%d segmentations of %dx%d): unary mIoU %.2f %%, untrained CRF %.2f %%%n",
                    s.heldOut(), w, h, 100 * before[0], 100 * before[1]);
            Adam adam = new Adam(s.lr());
            SplittableRandom rnd = new SplittableRandom(s.seed());
            double[] losses = new double[s.steps()];
            double avg = 0;
            for (int step = 0; step < s.steps(); step++) {
                double noise = 0.6 + 0.6 * rnd.nextDouble();
                int b = Math.max(2, block + rnd.nextInt(-block / 2, block / 2 + 1));
                float[] scores = scene.noisyScores(b, noise, trainSeed(step));
                try (Tensor u = Tensor.of(scores, 1, classes, h, w); Tensor out = crf.forward(u, edge);
                     Loss.Value v = ce.evaluate(out, labels, true);
                     CrfGrads g = crf.gradients(u, edge, v.grad())) {
                    losses[step] = v.loss();
                    adam.step(crf.learnableParameters(), g.gradParams());
                }
                avg = step == 0 ? losses[0] : 0.9 * avg + 0.1 * losses[step];
                if ((step + 1) % 10 == 0 || step == s.steps() - 1) {
                    log.printf(Locale.ROOT, "step %d/%d  loss %.4f (avg %.4f)  %s%n", step + 1, s.steps(),
                            losses[step], avg, describe(crf));
                }
            }
            double[] after = heldOutMiou(crf, edge);
            log.printf(Locale.ROOT, "held-out: trained CRF mIoU %.2f %%%n", 100 * after[1]);
            return new Result(before[0], before[1], after[1], s.steps() > 0 ? losses[0] : Double.NaN,
                    s.steps() > 0 ? losses[s.steps() - 1] : Double.NaN, losses);
        }
    }

    private long trainSeed(int step) {
        return Math.floorMod(s.seed() * 1_000_003L + step, HELD_OUT_BASE);
    }

    /** Means over the held-out set: {unary mIoU, CRF mIoU}. */
    double[] heldOutMiou(PacCRF crf, Tensor edge) {
        int h = s.height();
        int w = s.width();
        double su = 0;
        double sc = 0;
        for (int k = 0; k < s.heldOut(); k++) {
            float[] scores = scene.noisyScores(block, 0.9, HELD_OUT_BASE + k);
            su += Labels.meanIoU(Labels.argmax(scores, classes, h * w), scene.labels, classes);
            try (Tensor u = Tensor.of(scores, 1, classes, h, w); Tensor q = crf.forward(u, edge)) {
                sc += Labels.meanIoU(Labels.argmax(q.toArray(), classes, h * w), scene.labels, classes);
            }
        }
        return new double[] {su / s.heldOut(), sc / s.heldOut()};
    }

    /** Mean cross-entropy of the CRF output on the held-out set. */
    double heldOutLoss(PacCRF crf) {
        int h = s.height();
        int w = s.width();
        float[] lab = new float[h * w];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = scene.labels[i];
        }
        CrossEntropyLoss ce = new CrossEntropyLoss();
        double sum = 0;
        try (Tensor img = Tensor.of(scene.rgb, 1, 3, h, w);
             Tensor edge = PacCRF.createYXRGB(img, CrfCommand.DEFAULT_SCALE_SPACE, CrfCommand.DEFAULT_SCALE_COLOR);
             Tensor labels = Tensor.of(lab, 1, 1, h, w)) {
            for (int k = 0; k < s.heldOut(); k++) {
                float[] scores = scene.noisyScores(block, 0.9, HELD_OUT_BASE + k);
                try (Tensor u = Tensor.of(scores, 1, classes, h, w); Tensor q = crf.forward(u, edge)) {
                    sum += ce.value(q, labels);
                }
            }
        }
        return sum / s.heldOut();
    }

    static String describe(PacCRF crf) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Tensor> e : crf.learnableParameters().entrySet()) {
            if (e.getValue().numel() <= 4) {
                float[] v = e.getValue().toArray();
                b.append(e.getKey()).append('=');
                for (int i = 0; i < v.length; i++) {
                    b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", v[i]));
                }
                b.append(' ');
            }
        }
        return b.toString().trim();
    }

    /** Writes the CRF's state dict with 'model'/'args' metadata, loadable by {@code jpac crf --weights}. */
    static void save(Path file, PacCRF crf) throws IOException {
        StateDict d = new StateDict();
        crf.parameters().forEach(d::put);
        Map<String, String> md = new LinkedHashMap<>();
        md.put("model", "PacCRF");
        md.put("args", argsJson(crf.channels()));
        WeightFiles.save(file, d, md);
    }
}
