package org.jpac.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of a training run ({@code jpac train upsample}).
 *
 * @param model          {@code pac}, {@code lite} or {@code djif} ({@link Models})
 * @param skip           what the network's output is added to: nothing, bilinear upsampling
 *                       ({@link org.jpac.nn.BilinearResidual}) or JBU ({@link org.jpac.nn.JbuResidual}, which
 *                       needs a single sampling protocol)
 * @param factor         upsampling factor (a power of 2)
 * @param data           a folder (NYU Depth V2 PNGs or MPI-Sintel), or null for synthetic RGB-D
 * @param epochs         epochs to train in all (a resumed run continues up to this)
 * @param stepsPerEpoch  batches per epoch for synthetic data (a folder's epoch covers it once)
 * @param optimizer      {@code adam} or {@code sgd}
 * @param momentum       SGD momentum (Adam: beta1 stays 0.9)
 * @param lrStep         epochs between learning-rate decays (0: never)
 * @param lrGamma        the decay's factor
 * @param valCount       images of the held-out synthetic validation set (0: none)
 * @param valCrop        their size
 * @param minutes        stop (with a checkpoint) after this many minutes; 0: no limit
 * @param out            the trained model (safetensors)
 * @param checkpoint     the checkpoint file, written every epoch and when stopping
 * @param resume         a checkpoint to continue from, or null
 * @param lowRes         how the low-resolution inputs are made (sampling protocols, holes)
 * @param init           weights to start from (matching keys and shapes; {@link WarmStart}), or null
 * @param scenes         the synthetic scenes: {@code basic} ({@link SyntheticRgbd}) or {@code world}
 *                       ({@link SyntheticWorld})
 * @param loss           the depth loss: {@code mse} (the batch's MSE) or {@code image-rmse}
 *                       ({@link ImageRmseLoss}); optical flow always uses the end-point error
 */
public record TrainConfig(String model, org.jpac.nn.TargetSkip skip, int factor, Path data, int epochs, long stepsPerEpoch, long seed, int batch,
                          int crop, double lr, String optimizer, double momentum, double weightDecay, int lrStep,
                          double lrGamma, int valCount, int valCrop, double minutes, Path out, Path checkpoint,
                          Path resume, LowResProtocol lowRes, Path init, String scenes, String loss) {

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if a setting is out of range
     * @throws NullPointerException if {@code out} or {@code checkpoint} is null
     */
    public TrainConfig {
        if (!Models.NAMES.contains(model)) {
            throw new IllegalArgumentException("model: expected one of " + Models.NAMES + ", got '" + model + "'");
        }
        if (factor < 2 || Integer.bitCount(factor) != 1) {
            throw new IllegalArgumentException("factor: must be a power of 2 >= 2, got " + factor);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs: must be >= 1, got " + epochs);
        }
        if (batch < 1 || crop < factor || crop % factor != 0) {
            throw new IllegalArgumentException("batch/crop: batch >= 1 and crop a positive multiple of the factor "
                    + factor + ", got " + batch + ", " + crop);
        }
        if (valCount > 0 && (valCrop < factor || valCrop % factor != 0)) {
            throw new IllegalArgumentException("valCrop: must be a positive multiple of the factor " + factor
                    + ", got " + valCrop);
        }
        if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
            throw new IllegalArgumentException("optimizer: 'adam' or 'sgd', got '" + optimizer + "'");
        }
        if (lowRes == null || skip == null) {
            throw new NullPointerException("lowRes and skip must be given");
        }
        if (skip == org.jpac.nn.TargetSkip.JBU && lowRes.samplingSet().size() != 1) {
            throw new IllegalArgumentException("sampling: the JBU skip places its samples by one protocol; train "
                    + "one model per protocol (--sampling center or area), got " + lowRes.describe());
        }
        if (!SCENES.contains(scenes)) {
            throw new IllegalArgumentException("scenes: expected one of " + SCENES + ", got '" + scenes + "'");
        }
        if (!LOSSES.contains(loss)) {
            throw new IllegalArgumentException("loss: expected one of " + LOSSES + ", got '" + loss + "'");
        }
        if (out == null || checkpoint == null) {
            throw new NullPointerException("out and checkpoint must be given");
        }
    }

    /** The depth losses by name. */
    public static final java.util.List<String> LOSSES = java.util.List.of("mse", "image-rmse");

    /** The synthetic scene generators by name. */
    public static final java.util.List<String> SCENES = java.util.List.of("basic", "world");

    /** Identity values of checkpoints written before the key existed. */
    static final Map<String, String> IDENTITY_DEFAULTS = Map.of("train.residual", "none", "train.sampling", "area",
            "train.holes", "0.0", "train.scenes", "basic", "train.loss", "mse");

    /** The default checkpoint file beside {@code out}: {@code NAME.ckpt.safetensors}. */
    public static Path defaultCheckpoint(Path out) {
        String n = out.getFileName().toString();
        String stem = n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
        return out.resolveSibling(stem + ".ckpt.safetensors");
    }

    /**
     * The settings a resumed run must share with the checkpoint's run to see the
     * same batches and network: metadata keys {@code train.*}.
     */
    Map<String, String> identity(String dataDescription) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("train.model", model);
        m.put("train.residual", skip.key());
        m.put("train.factor", Integer.toString(factor));
        m.put("train.data", dataDescription);
        m.put("train.seed", Long.toString(seed));
        m.put("train.batch", Integer.toString(batch));
        m.put("train.crop", Integer.toString(crop));
        m.put("train.steps_per_epoch", Long.toString(stepsPerEpoch));
        m.put("train.optimizer", optimizer);
        m.put("train.sampling", org.jpac.nn.Sampling.format(lowRes.samplingSet()));
        m.put("train.holes", Double.toString(lowRes.holes()));
        m.put("train.scenes", scenes);
        m.put("train.loss", loss);
        return m;
    }
}
