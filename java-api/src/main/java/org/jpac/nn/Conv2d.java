package org.jpac.nn;

import java.util.Map;
import java.util.SplittableRandom;

import org.jpac.Device;
import org.jpac.Tensor;
import org.jpac.internal.DeviceMoves;

/**
 * A standard convolution layer as PyTorch's {@code nn.Conv2d(in, out, kernel_size,
 * stride, padding, dilation, bias)} (odd square kernels): state-dict keys
 * {@code weight} [out, in, k, k] and {@code bias} [out]. Initialised as PyTorch
 * does: weight and bias uniform in +-1/sqrt(in * k * k).
 */
public final class Conv2d implements Layer {

    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private Tensor weight; // not final: to(Device) replaces them
    private Tensor bias;

    /**
     * A convolution initialised from {@code rng}.
     *
     * @param inChannels the input channels (at least 1)
     * @param outChannels the output channels (at least 1)
     * @param kernelSize the kernel height and width (odd)
     * @param stride the stride (at least 1)
     * @param padding the zero padding on each side (at least 0)
     * @param dilation the dilation (at least 1)
     * @param bias whether the layer has a bias
     * @param rng the source of the initial weights
     * @throws IllegalArgumentException if a size is out of range
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation,
                  boolean bias, SplittableRandom rng) {
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException("inChannels/outChannels: must be >= 1, got " + inChannels + ", "
                    + outChannels);
        }
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("kernelSize: must be odd and >= 1, got " + kernelSize);
        }
        if (stride < 1 || dilation < 1 || padding < 0) {
            throw new IllegalArgumentException("stride/padding/dilation: must be >= 1, >= 0, >= 1, got " + stride
                    + ", " + padding + ", " + dilation);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.weight = Tensor.allocate(outChannels, inChannels, kernelSize, kernelSize).named("weight");
        try {
            this.bias = bias ? Tensor.allocate(outChannels).named("bias") : null;
        } catch (RuntimeException | Error e) {
            weight.close(); // e.g. past the cap of a network built for a weight file: nothing may leak
            throw e;
        }
        double bound = 1 / Math.sqrt((double) inChannels * kernelSize * kernelSize);
        fillUniform(weight, bound, rng);
        if (this.bias != null) {
            fillUniform(this.bias, bound, rng);
        }
    }

    /** Stride 1, dilation 1, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int padding, SplittableRandom rng) {
        this(inChannels, outChannels, kernelSize, 1, padding, 1, true, rng);
    }

    static void fillUniform(Tensor t, double bound, SplittableRandom rng) {
        float[] d = new float[(int) t.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        t.copyFrom(d);
    }

    @Override
    public void to(Device device) {
        weight = DeviceMoves.moved(weight, device);
        bias = DeviceMoves.moved(bias, device);
    }

    /** The input channels. */
    public int inChannels() {
        return inChannels;
    }

    /** The output channels. */
    public int outChannels() {
        return outChannels;
    }

    /** The kernel height and width. */
    public int kernelSize() {
        return kernelSize;
    }

    /** The stride. */
    public int stride() {
        return stride;
    }

    /** The zero padding on each side. */
    public int padding() {
        return padding;
    }

    /** The dilation. */
    public int dilation() {
        return dilation;
    }

    /** The weight {@code [out, in, k, k]} (layer-owned). */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        return StdOps.conv2d(x, weight, bias, stride, padding, dilation);
    }

    @Override
    public Tensor backward(Tensor x, Tensor gradOutput, String prefix, GradAcc acc, boolean needInput) {
        java.util.Set<org.jpac.Grad> needs = java.util.EnumSet.of(org.jpac.Grad.WEIGHT);
        if (bias != null) {
            needs.add(org.jpac.Grad.BIAS);
        }
        if (needInput) {
            needs.add(org.jpac.Grad.INPUT);
        }
        org.jpac.grad.StdConvGrads g = StdOps.conv2dBackward(x, weight, gradOutput, stride, padding, dilation, needs);
        try {
            acc.add(prefix + "weight", g.gradWeight());
            acc.add(prefix + "bias", bias != null ? g.gradBias() : null);
        } catch (RuntimeException | Error e) {
            g.close();
            throw e;
        }
        return g.gradInput();
    }

    @Override
    public boolean trainable() {
        return true;
    }

    @Override
    public void collect(String prefix, Map<String, Tensor> into) {
        into.put(prefix + "weight", weight);
        if (bias != null) {
            into.put(prefix + "bias", bias);
        }
    }

    @Override
    public void close() {
        weight.close();
        if (bias != null) {
            bias.close();
        }
    }
}
