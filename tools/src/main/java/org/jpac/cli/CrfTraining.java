package org.jpac.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.Placed;
import org.jpac.io.StateDict;
import org.jpac.io.WeightFiles;
import org.jpac.model.CrfGeometry;
import org.jpac.model.CrfRefiner;
import org.jpac.model.UnaryCalibration;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfGrads;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PairwiseKernel;
import org.jpac.train.Adam;
import org.jpac.train.ClassBalancedCrossEntropy;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.Loss;
import org.jpac.train.PhotoTextures;
import org.jpac.train.SyntheticSegmentation;

/**
 * Trains the default PAC-CRF in Java on {@link SyntheticSegmentation}: each
 * step renders a new training scene (seeds below the validation and held-out ranges, surfaces
 * from the training photographs of {@link PhotoTextures} when given), draws
 * a segmenter ({@link CoarseSegmenter}) at a random factor (1, 2, 4, 8 or 16),
 * calibrates its scores ({@link UnaryCalibration}), runs the CRF (log-probability
 * output, dilations scaled to the training size as {@link CrfRefiner} scales
 * them), takes the class-balanced cross-entropy against the true labels
 * ({@link ClassBalancedCrossEntropy}: thin objects count as much as the background),
 * backpropagates with {@link PacCRF#gradients} and updates the learnable
 * parameters (the unary weight, the Potts weights, the guide projections when
 * the CRF has them, and the edge features' position and colour scales, as logs
 * of their inverses) with {@link Adam}. The
 * weights are saved at the reference dilations with the metadata that makes
 * {@link CrfRefiner} calibrate and scale the same way.
 */
final class CrfTraining {

    /** Segmenter factors a training step draws from, and how often (coarse ones more; 1 by {@code fineOdds}). */
    static final int[] FACTORS = {1, 2, 4, 8, 16};
    static final double[] FACTOR_ODDS = {0.2, 0.1, 0.25, 0.25, 0.2};
    /** How often a step draws already-fine scores (factor 1) unless set. */
    static final double FINE_ODDS = FACTOR_ODDS[0];

    /**
     * @param photos     photographs for the scenes' surfaces (training uses its training set, the held-out
     *                   scenes its held-out set), or null for procedural textures only
     * @param projection whether the CRF learns guide projections ({@link PacCRF.Builder#guideProjection})
     * @param fineOdds   how often a step draws already-fine scores (factor 1); the other factors share the
     *                   rest in the proportions of {@link #FACTOR_ODDS}
     */
    record Settings(int steps, long seed, double lr, int height, int width, int heldOut, PhotoTextures photos,
                    boolean projection, double fineOdds) {

        /** Procedural scenes, no projections (the CRF trained before photographs). */
        Settings(int steps, long seed, double lr, int height, int width, int heldOut) {
            this(steps, seed, lr, height, width, heldOut, null, false, FINE_ODDS);
        }

        Settings {
            if (!(fineOdds >= 0 && fineOdds <= 1)) {
                throw new IllegalArgumentException("fineOdds: expected 0..1, got " + fineOdds);
            }
        }

        PhotoTextures trainingPhotos() {
            return photos == null ? null : photos.trainingSet();
        }

        PhotoTextures heldOutPhotos() {
            return photos == null ? null : photos.heldOutSet();
        }
    }

    record Result(double unaryMiou, double untrainedMiou, double trainedMiou, double firstLoss, double lastLoss,
                  double[] losses) {
    }

    /** The optimizer's name for the logs of the edge features' inverse scales {space, colour}. */
    private static final String EDGE_SCALES = "edge_log_inverse_scales";

    private final Settings s;
    private final int classes = SyntheticSegmentation.CLASSES;
    /** Edge features' scales at the reference size: the defaults, then as trained. */
    private double scaleSpace = CrfRefiner.DEFAULT_SCALE_SPACE;
    private double scaleColor = CrfRefiner.DEFAULT_SCALE_COLOR;

    CrfTraining(Settings s) {
        this.s = s;
    }

    /** The edge features the guide projections take: y, x and the image's RGB. */
    static final int EDGE_FEATURES = 5;

    /**
     * The default CRF's architecture at its reference dilations with log-probability output (for the loss),
     * with learned guide projections when {@code projection}.
     */
    static PacCRF newCrf(int classes, boolean projection) {
        PacCRF.Builder b = PacCRF.builder(classes, CrfRefiner.DEFAULT_STEPS).finalOutput(CrfOutput.LOG_Q)
                .perturbedInit(false).guideProjection(projection ? EDGE_FEATURES : 0).seed(0);
        for (int i = 0; i < CrfRefiner.DEFAULT_DILATIONS.length; i++) {
            b.pairwiseKernel(new PairwiseKernel(5, CrfRefiner.DEFAULT_DILATIONS[i], 1, CompatType.POTTS, false,
                    CrfRefiner.DEFAULT_WEIGHTS[i]));
        }
        return b.build();
    }

    /** The constructor arguments of {@link #newCrf} as the reference's JSON (weight file metadata). */
    static String argsJson(int classes, boolean projection) {
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < CrfRefiner.DEFAULT_DILATIONS.length; i++) {
            k.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"kernel_size\":5,\"dilation\":%d,"
                    + "\"blur\":1,\"compat_type\":\"potts\",\"spatial_filter\":false,\"pairwise_weight\":%s}",
                    CrfRefiner.DEFAULT_DILATIONS[i], Double.toString(CrfRefiner.DEFAULT_WEIGHTS[i])));
        }
        return String.format(Locale.ROOT, "{\"channels\":%d,\"num_steps\":%d,\"final_output\":\"log_Q\","
                + "\"perturbed_init\":false,\"fixed_weighting\":false,\"unary_weight\":1.0,"
                + "\"pairwise_kernels\":[%s]%s}", classes, CrfRefiner.DEFAULT_STEPS, k,
                projection ? ",\"guide_projection\":" + EDGE_FEATURES : "");
    }

    /** The geometry every trained CRF is saved with: dilations set for VOC-sized images. */
    static CrfGeometry geometry() {
        return CrfGeometry.scaled(CrfGeometry.VOC_SIDE);
    }

    /** A refiner around a copy of {@code crf} (calibrated, scaled), as {@code jpac crf} would run the weights. */
    CrfRefiner refiner(PacCRF crf) {
        List<Integer> same = new ArrayList<>();
        crf.pairwiseKernels().forEach(k -> same.add(k.dilation()));
        return CrfRefiner.of(crf.withDilations(same), geometry(), true).edgeScales(scaleSpace, scaleColor);
    }

    /** Runs the training; {@code crf} (at its reference dilations) ends with the trained parameters. */
    Result run(PacCRF crf, PrintStream log) {
        int h = s.height();
        int w = s.width();
        double[] before = heldOutMiou(crf);
        log.printf(Locale.ROOT, "held-out (%d scenes of %dx%d, factors 1-16): scores mIoU %.2f %%,"
                + " untrained CRF %.2f %%%n", s.heldOut(), w, h, 100 * before[0], 100 * before[1]);
        Loss ce = new ClassBalancedCrossEntropy();
        Adam adam = new Adam(s.lr());
        SplittableRandom rnd = new SplittableRandom(s.seed());
        PhotoTextures photos = s.trainingPhotos();
        double[] losses = new double[s.steps()];
        double avg = 0;
        List<Integer> dil = scaledDilations(crf, h, w);
        double sizeFactor = geometry().factor(h, w);
        // the edge features' scales are learned too (the paper learns its RGB scales), as logs of 1 / scale
        try (PacCRF train = crf.withDilations(dil);
             Tensor logInv = Tensor.of(new float[] {(float) -Math.log(scaleSpace * sizeFactor),
                 (float) -Math.log(scaleColor)}, 2)) {
            // On a GPU the CRF's forward and gradients run there; the scenes, the edge features, the
            // calibration, the loss and Adam stay in Java on the CPU (host copies cross each step).
            Device at = BackendPlacement.place(log::println, "the CRF", train::to);
            for (int step = 0; step < s.steps(); step++) {
                long seed = trainSeed(step);
                int factor = drawFactor(rnd, s.fineOdds());
                SyntheticSegmentation.Scene scene = SyntheticSegmentation.render(h, w, seed, photos);
                float[] scores = CoarseSegmenter.logProbabilities(scene.labels(), h, w, factor,
                        new SplittableRandom(rnd.nextLong()));
                float[] lab = new float[h * w];
                for (int i = 0; i < lab.length; i++) {
                    lab[i] = scene.labels()[i];
                }
                try (Tensor img = Tensor.of(scene.rgb(), 1, 3, h, w);
                     Tensor edge = PacCRF.createYXRGB(img, Math.exp(-logInv.getFlat(0)), Math.exp(-logInv.getFlat(1)));
                     Tensor labels = Tensor.of(lab, 1, 1, h, w);
                     Tensor raw = Tensor.of(scores, 1, classes, h, w);
                     Tensor u = UnaryCalibration.calibrate(raw);
                     Placed du = Placed.on(at, u); Placed de = Placed.on(at, edge);
                     Tensor out = train.forward(du.get(), de.get()); Placed hostOut = Placed.onCpu(out);
                     Loss.Value v = ce.evaluate(hostOut.get(), labels, true); Placed dv = Placed.on(at, v.grad());
                     CrfGrads g = train.gradients(du.get(), de.get(), dv.get());
                     Tensor gScale = scaleGradient(edge, g.gradEdgeFeat())) {
                    losses[step] = v.loss();
                    Map<String, Tensor> params = new LinkedHashMap<>(train.learnableParameters());
                    Map<String, Tensor> grads = new LinkedHashMap<>(g.gradParams());
                    params.put(EDGE_SCALES, logInv);
                    grads.put(EDGE_SCALES, gScale);
                    adam.step(params, grads);
                }
                avg = step == 0 ? losses[0] : 0.95 * avg + 0.05 * losses[step];
                if ((step + 1) % 25 == 0 || step == s.steps() - 1) {
                    scaleSpace = Math.exp(-logInv.getFlat(0)) / sizeFactor;
                    scaleColor = Math.exp(-logInv.getFlat(1));
                    log.printf(Locale.ROOT, "step %d/%d  loss %.4f (avg %.4f)  %s%n", step + 1, s.steps(),
                            losses[step], avg, describe(train));
                }
            }
            Map<String, Tensor> trained = train.parameters();
            crf.parameters().forEach((k, t) -> t.copyFrom(trained.get(k)));
            scaleSpace = Math.exp(-logInv.getFlat(0)) / sizeFactor;
            scaleColor = Math.exp(-logInv.getFlat(1));
        }
        double[] after = heldOutMiou(crf);
        log.printf(Locale.ROOT, "held-out: trained CRF mIoU %.2f %%%n", 100 * after[1]);
        return new Result(before[0], before[1], after[1], s.steps() > 0 ? losses[0] : Double.NaN,
                s.steps() > 0 ? losses[s.steps() - 1] : Double.NaN, losses);
    }

    /** Position scale (at the reference size) and colour scale of the edge features, as trained so far. */
    double[] edgeScales() {
        return new double[] {scaleSpace, scaleColor};
    }

    /**
     * The gradient for the logs of the inverse scales {space, colour}: a
     * feature {@code f = x / scale} has {@code df / d log(1 / scale) = f}.
     */
    static Tensor scaleGradient(Tensor edge, Tensor gradEdge) {
        float[] e = Placed.values(edge);
        float[] g = Placed.values(gradEdge);
        int n = (int) (edge.dim(2) * edge.dim(3));
        int f = (int) edge.dim(1);
        double space = 0;
        double colour = 0;
        for (int b = 0; b < edge.dim(0); b++) {
            for (int k = 0; k < f; k++) {
                double sum = 0;
                int off = (b * f + k) * n;
                for (int i = 0; i < n; i++) {
                    sum += (double) e[off + i] * g[off + i];
                }
                if (k < 2) {
                    space += sum;
                } else {
                    colour += sum;
                }
            }
        }
        return Tensor.of(new float[] {(float) space, (float) colour}, 2);
    }

    static List<Integer> scaledDilations(PacCRF crf, int h, int w) {
        List<Integer> d = new ArrayList<>();
        crf.pairwiseKernels().forEach(k -> d.add(geometry().dilation(k.dilation(), h, w)));
        return d;
    }

    static int drawFactor(SplittableRandom rnd, double fineOdds) {
        double u = rnd.nextDouble();
        for (int i = 0; i < FACTORS.length; i++) {
            u -= i == 0 ? fineOdds : FACTOR_ODDS[i] * (1 - fineOdds) / (1 - FACTOR_ODDS[0]);
            if (u < 0) {
                return FACTORS[i];
            }
        }
        return FACTORS[FACTORS.length - 1];
    }

    /** Training scene seeds: from the run's seed, below the validation and held-out ranges. */
    private long trainSeed(int step) {
        return Math.floorMod(s.seed() * 1_000_003L + step, SyntheticSegmentation.VALIDATION_BASE);
    }

    /**
     * Means over the held-out scenes at the training size (seed 0, factors 1, 4, 8, 16 in turn):
     * {scores mIoU, CRF mIoU}.
     */
    double[] heldOutMiou(PacCRF crf) {
        int[] factors = {1, 4, 8, 16};
        double su = 0;
        double sc = 0;
        try (CrfRefiner r = refiner(crf)) {
            for (int k = 0; k < s.heldOut(); k++) {
                CrfEvaluation.Score e = CrfEvaluation.run(r, factors[k % factors.length], 0, k, 1, s.height(),
                        s.width(), s.heldOutPhotos());
                su += e.unary();
                sc += e.crf();
            }
        }
        return new double[] {su / s.heldOut(), sc / s.heldOut()};
    }

    /** Mean cross-entropy of the CRF output on the held-out scenes (as {@link #heldOutMiou}). */
    double heldOutLoss(PacCRF crf) {
        int h = s.height();
        int w = s.width();
        int[] factors = {1, 4, 8, 16};
        Loss ce = new ClassBalancedCrossEntropy();
        double sum = 0;
        try (PacCRF at = crf.withDilations(scaledDilations(crf, h, w))) {
            for (int k = 0; k < s.heldOut(); k++) {
                long seed = CrfEvaluation.sceneSeed(0, k);
                SyntheticSegmentation.Scene scene = SyntheticSegmentation.render(h, w, seed, s.heldOutPhotos());
                float[] scores = CrfEvaluation.scores(scene, factors[k % factors.length], seed);
                float[] lab = new float[h * w];
                for (int i = 0; i < lab.length; i++) {
                    lab[i] = scene.labels()[i];
                }
                try (Tensor img = Tensor.of(scene.rgb(), 1, 3, h, w);
                     Tensor edge = PacCRF.createYXRGB(img, scaleSpace * geometry().factor(h, w), scaleColor);
                     Tensor labels = Tensor.of(lab, 1, 1, h, w);
                     Tensor raw = Tensor.of(scores, 1, classes, h, w);
                     Tensor u = UnaryCalibration.calibrate(raw);
                     Tensor q = at.forward(u, edge)) {
                    try (Loss.Value v = ce.evaluate(q, labels, false)) {
                        sum += v.loss();
                    }
                }
            }
        }
        return sum / s.heldOut();
    }

    static String describe(PacCRF crf) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Tensor> e : crf.learnableParameters().entrySet()) {
            if (e.getValue().numel() <= 4) {
                float[] v = Placed.values(e.getValue());
                b.append(e.getKey()).append('=');
                for (int i = 0; i < v.length; i++) {
                    b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", v[i]));
                }
                b.append(' ');
            } else if (e.getKey().startsWith("guide_projections.")) {
                // a projection's diagonal: how much each of y, x, R, G, B counts
                float[] v = Placed.values(e.getValue());
                int f = (int) e.getValue().dim(0);
                b.append(e.getKey().replace(".weight", "")).append(".diag=");
                for (int i = 0; i < f; i++) {
                    b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.2f", v[i * f + i]));
                }
                b.append(' ');
            }
        }
        return b.toString().trim();
    }

    /**
     * Writes the CRF's state dict with 'model'/'args' metadata and the
     * calibration and geometry {@link CrfRefiner} follows, plus {@code train}
     * (how it was trained), loadable by {@code jpac crf --weights}.
     */
    void save(Path file, PacCRF crf, String train) throws IOException {
        StateDict d = new StateDict();
        crf.parameters().forEach(d::put);
        Map<String, String> md = new LinkedHashMap<>();
        md.put("model", "PacCRF");
        md.put("args", argsJson(crf.channels(), crf.guideProjection() > 0));
        md.put(CrfRefiner.UNARY_KEY, "calibrated");
        md.put(CrfRefiner.GEOMETRY_KEY, geometry().metadata());
        md.put(CrfRefiner.SCALE_SPACE_KEY, Double.toString(scaleSpace));
        md.put(CrfRefiner.SCALE_COLOR_KEY, Double.toString(scaleColor));
        md.put("train", train);
        WeightFiles.save(file, d, md);
    }
}
