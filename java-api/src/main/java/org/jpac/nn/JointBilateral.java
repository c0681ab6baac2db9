package org.jpac.nn;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.Pac;
import org.jpac.PacConvTranspose2d;
import org.jpac.Tensor;
import org.jpac.grad.GuidedConvGrads;

/**
 * Joint bilateral upsampling as a fixed PAC^T, as the reference's
 * {@code JointBilateral(factor, channels, kernel_size, scale_space, scale_color)}:
 * a transposed PAC with stride {@code factor}, padding
 * {@code 1 + (kernel_size - factor - 1) // 2}, output padding
 * {@code (kernel_size - factor) % 2}, {@code normalize_kernel}, no bias and an
 * identity weight ({@code convt.weight} [C, C, k, k], 1 on the channel diagonal),
 * guided by {@code [guide * scale_color, y * scale_space, x * scale_space]} with
 * y, x the pixel's row and column. The guide may have any number of channels.
 */
public final class JointBilateral extends UpsamplerBase {

    private final int kernelSize;
    private final double scaleSpace;
    private final double scaleColor;
    private final PacConvTranspose2d convt;

    /**
     * A joint bilateral upsampler.
     *
     * @param factor the upsampling factor
     * @param channels the target channels
     * @param kernelSize the kernel height and width (odd)
     * @param scaleSpace the factor of the pixel coordinates in the guide
     * @param scaleColor the factor of the guide's values
     * @throws IllegalArgumentException if {@code kernelSize} is not odd and positive, or too small for {@code factor}
     */
    public JointBilateral(int factor, int channels, int kernelSize, double scaleSpace, double scaleColor) {
        super(factor, channels, 1);
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("kernelSize: must be odd and >= 1, got " + kernelSize);
        }
        this.kernelSize = kernelSize;
        this.scaleSpace = scaleSpace;
        this.scaleColor = scaleColor;
        int padding = 1 + Math.floorDiv(kernelSize - factor - 1, 2);
        int outputPadding = Math.floorMod(kernelSize - factor, 2);
        if (padding < 0) {
            throw new IllegalArgumentException("kernelSize: " + kernelSize + " is too small for factor " + factor
                    + " (padding would be " + padding + ")");
        }
        convt = own(PacConvTranspose2d.builder(channels, channels, kernelSize).stride(factor).padding(padding)
                .outputPadding(outputPadding).normalizeKernel(true).bias(false).seed(0).build());
        float[] w = new float[channels * channels * kernelSize * kernelSize];
        int kk = kernelSize * kernelSize;
        for (int c = 0; c < channels; c++) {
            java.util.Arrays.fill(w, (c * channels + c) * kk, (c * channels + c + 1) * kk, 1f);
        }
        convt.weight().copyFrom(w);
    }

    /** From the reference's constructor arguments. */
    public static JointBilateral fromArgs(ModelArgs a) {
        a.rejectUnknown(Set.of("factor", "channels", "kernel_size", "scale_space", "scale_color"));
        return new JointBilateral(PacJointUpsample.factor(a), a.requireInt("channels", 1, ModelLimits.MAX_CHANNELS),
                a.requireInt("kernel_size", 1, ModelLimits.MAX_KERNEL_SIZE), a.requireDouble("scale_space"),
                a.requireDouble("scale_color"));
    }

    /** The kernel height and width. */
    public int kernelSize() {
        return kernelSize;
    }

    /** The factor of the pixel coordinates in the guide. */
    public double scaleSpace() {
        return scaleSpace;
    }

    /** The factor of the guide's values in the guide. */
    public double scaleColor() {
        return scaleColor;
    }

    @Override
    protected boolean checksGuideChannels() {
        return false;
    }

    @Override
    protected void collect(Map<String, Tensor> into, Set<String> optionalInto) {
        for (Map.Entry<String, Tensor> e : convt.stateDict().entrySet()) {
            into.put("convt." + e.getKey(), e.getValue());
        }
    }

    /** [guide * scale_color, y * scale_space, x * scale_space]. */
    @Override
    protected Tensor guideFeatures(Tensor guide) {
        long b = guide.dim(0);
        long h = guide.dim(2);
        long w = guide.dim(3);
        float[] yy = new float[(int) (b * h * w)];
        float[] xx = new float[yy.length];
        for (long n = 0; n < b; n++) {
            for (long y = 0; y < h; y++) {
                for (long x = 0; x < w; x++) {
                    int i = (int) ((n * h + y) * w + x);
                    yy[i] = (float) (y * scaleSpace);
                    xx[i] = (float) (x * scaleSpace);
                }
            }
        }
        try (Tensor color = StdOps.scale(guide, scaleColor); Tensor ty = Tensor.of(yy, b, 1, h, w);
             Tensor tx = Tensor.of(xx, b, 1, h, w)) {
            return StdOps.concatChannels(color, ty, tx);
        }
    }

    @Override
    protected Tensor forwardSingle(Tensor target, Tensor g, Tensor guide) {
        return Pac.convTranspose2dGuided(target, g, convt.invAlpha(), convt.invLambda(), convt.smoothKernel(),
                convt.weight(), convt.bias(), convt.options());
    }

    // ---- training ------------------------------------------------------------------

    @Override
    Tensor guideFeatures(Tensor guide, Tape tape) {
        return guideFeatures(guide);
    }

    @Override
    Tensor forwardSingle(Tensor target, Tensor g, Tensor guide, Tape tape, String key) {
        tape.ref(key + "target", target);
        return forwardSingle(target, g, guide);
    }

    @Override
    Tensor backwardSingle(Tape tape, String key, Tensor gradOut, GradAcc acc, boolean needTarget) {
        Set<Grad> needs = EnumSet.of(Grad.WEIGHT, Grad.GUIDE);
        if (needTarget) {
            needs.add(Grad.INPUT);
        }
        GuidedConvGrads r = Pac.convTranspose2dGuidedBackward(tape.get(key + "target"), tape.get("g"),
                convt.invAlpha(), convt.invLambda(), convt.smoothKernel(), convt.weight(), gradOut, convt.options(),
                needs);
        try {
            acc.add("convt.weight", r.gradWeight());
            acc.add(GUIDE_FEATURES, r.gradGuide());
            return r.gradInput();
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    /** The colour channels' part of the features' gradient, times scale_color (y and x are constants). */
    @Override
    Tensor guideBackward(Tape tape, Tensor gradFeatures, GradAcc acc, boolean needGuide) {
        if (!needGuide) {
            return null;
        }
        try (Tensor color = StdOps.sliceChannels(gradFeatures, 0, gradFeatures.dim(1) - 2)) {
            return StdOps.scale(color, scaleColor);
        }
    }

    /** The reference's {@code convt.weight} is a parameter (bias-free, fixed-kernel PAC^T). */
    @Override
    void collectLearnable(Map<String, Tensor> into) {
        into.put("convt.weight", convt.weight());
    }

    /** Joint bilateral upsampling is computed in Java over host memory: it runs on the CPU only. */
    @Override
    public void to(Device device) {
        if (!device.isCpu()) {
            throw new UnsupportedOperationException("JointBilateral cannot move to " + device
                    + ": it is computed in Java over host memory (CPU tensors only)");
        }
    }
}
