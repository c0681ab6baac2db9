package org.jpac.nn;

import java.util.List;

import org.jpac.KernelType;
import org.jpac.PacConv2d;
import org.jpac.PacConvLayer;
import org.jpac.PacConvTranspose2d;
import org.jpac.PacOptions;
import org.jpac.Tensor;

/**
 * Layer hot-swapping (paper Sec. 6): replaces a trained standard convolution
 * with a PAC layer of the same shape that keeps its weight and bias, guided by
 * an earlier layer's output times a small constant, so that the adapting kernel
 * is close to 1 and the network first computes what it computed before; the
 * guidance can then be learned from there.
 *
 * <p>A {@link Conv2d} becomes a {@link PacConv2d} (same weight); a
 * {@link ConvTranspose2d} becomes a {@link PacConvTranspose2d} with the weight
 * flipped spatially, since the PAC transposed convolution does not flip it (SPEC,
 * conv_transpose2d).
 */
public final class HotSwap {

    /** The guide's default scale. */
    public static final double DEFAULT_SCALE = 1e-4;

    private HotSwap() {
    }

    /** {@link #swap(Sequential, String, String, double, KernelType)} with scale 1e-4 and a Gaussian kernel. */
    public static GuidedPacConv swap(Sequential net, String layer, String guideTap) {
        return swap(net, layer, guideTap, DEFAULT_SCALE, KernelType.GAUSSIAN);
    }

    /** {@link #swap(Sequential, String, String, double, KernelType)} with a Gaussian kernel. */
    public static GuidedPacConv swap(Sequential net, String layer, String guideTap, double scale) {
        return swap(net, layer, guideTap, scale, KernelType.GAUSSIAN);
    }

    /**
     * Replaces {@code layer} of {@code net} (a {@link Conv2d} or a
     * {@link ConvTranspose2d}) with its PAC counterpart guided by
     * {@code scale} times the output of {@code guideTap} ({@link Sequential#INPUT}
     * or a layer before it); closes the old layer and returns the new one.
     */
    public static GuidedPacConv swap(Sequential net, String layer, String guideTap, double scale,
                                     KernelType kernelType) {
        if (net == null || layer == null || guideTap == null || kernelType == null) {
            throw new NullPointerException("net, layer, guideTap and kernelType must not be null");
        }
        TapLayer old = net.layer(layer);
        GuidedPacConv swapped;
        if (old instanceof ConvTranspose2d t) {
            swapped = toPac(t, guideTap, scale, kernelType);
        } else {
            Conv2d c = net.conv(layer);
            if (c == null) {
                throw new IllegalArgumentException("layer: '" + layer + "' is not a Conv2d or ConvTranspose2d ("
                        + old + ")");
            }
            swapped = toPac(c, guideTap, scale, kernelType);
        }
        try {
            net.replace(layer, swapped).close();
        } catch (RuntimeException e) {
            swapped.close();
            throw e;
        }
        return swapped;
    }

    /** Swaps each of {@code layers} in turn, all guided by the same tap and scale (Gaussian kernel). */
    public static void swapAll(Sequential net, List<String> layers, String guideTap, double scale) {
        for (String l : layers) {
            swap(net, l, guideTap, scale);
        }
    }

    /** A PacConv2d with {@code conv}'s shape, weight and bias, guided by {@code guideTap} times {@code scale}. */
    public static GuidedPacConv toPac(Conv2d conv, String guideTap, double scale, KernelType kernelType) {
        PacConv2d pac = PacConv2d.builder(conv.inChannels(), conv.outChannels(), conv.kernelSize())
                .stride(conv.stride()).padding(conv.padding()).dilation(conv.dilation())
                .bias(conv.bias() != null).kernelType(kernelType).seed(0).build();
        return wrap(pac, conv.weight(), conv.bias(), guideTap, scale);
    }

    /**
     * A PacConvTranspose2d with {@code conv}'s shape and bias and its weight
     * flipped spatially, guided by {@code guideTap} times {@code scale}.
     */
    public static GuidedPacConv toPac(ConvTranspose2d conv, String guideTap, double scale, KernelType kernelType) {
        PacOptions o = conv.options();
        PacConvTranspose2d pac = PacConvTranspose2d.builder(conv.inChannels(), conv.outChannels(), o.kernelH())
                .stride(o.strideH(), o.strideW()).padding(o.padH(), o.padW())
                .outputPadding(o.outputPaddingH(), o.outputPaddingW()).dilation(o.dilationH(), o.dilationW())
                .bias(conv.bias() != null).kernelType(kernelType).seed(0).build();
        try (Tensor flipped = ConvTranspose2d.flipSpatial(conv.weight())) {
            return wrap(pac, flipped, conv.bias(), guideTap, scale);
        }
    }

    private static GuidedPacConv wrap(PacConvLayer pac, Tensor weight, Tensor bias, String guideTap, double scale) {
        try {
            pac.weight().copyFrom(weight);
            if (bias != null) {
                pac.bias().copyFrom(bias);
            }
            return new GuidedPacConv(pac, guideTap, scale);
        } catch (RuntimeException e) {
            pac.close();
            throw e;
        }
    }
}
