package org.jpac;

import java.util.SplittableRandom;

/**
 * Options shared by the layer builders, with the reference's defaults:
 * stride 1, padding 0, dilation 1, bias, gaussian kernel, no smoothing, no
 * normalisation, no shared filters, uniform filler, a random seed.
 *
 * @param <B> the concrete builder type, returned by every setter
 */
public abstract class PacLayerBuilder<B extends PacLayerBuilder<B>> {

    int kernelH, kernelW;
    int strideH = 1, strideW = 1, padH, padW, dilationH = 1, dilationW = 1;
    boolean bias = true;
    KernelType kernelType = KernelType.GAUSSIAN;
    SmoothKernel smooth = SmoothKernel.NONE;
    boolean normalizeKernel;
    boolean sharedFilters;
    Filler filler = Filler.UNIFORM;
    Long seed;

    PacLayerBuilder(int kernelSize) {
        kernelH = kernelSize;
        kernelW = kernelSize;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Sets the kernel size (odd, checked when the layer is built).
     *
     * @param h the kernel height
     * @param w the kernel width
     * @return this builder
     */
    public B kernelSize(int h, int w) { kernelH = h; kernelW = w; return self(); }
    /**
     * Sets the same stride for both axes (default 1).
     *
     * @param s the stride
     * @return this builder
     */
    public B stride(int s) { return stride(s, s); }
    /**
     * Sets the stride (default 1).
     *
     * @param h the vertical stride
     * @param w the horizontal stride
     * @return this builder
     */
    public B stride(int h, int w) { strideH = h; strideW = w; return self(); }
    /**
     * Sets the same zero padding for both axes (default 0).
     *
     * @param p the padding
     * @return this builder
     */
    public B padding(int p) { return padding(p, p); }
    /**
     * Sets the zero padding (default 0).
     *
     * @param h the padding at the top and bottom
     * @param w the padding at the left and right
     * @return this builder
     */
    public B padding(int h, int w) { padH = h; padW = w; return self(); }
    /**
     * Sets the same dilation for both axes (default 1).
     *
     * @param d the dilation
     * @return this builder
     */
    public B dilation(int d) { return dilation(d, d); }
    /**
     * Sets the dilation (default 1).
     *
     * @param h the vertical dilation
     * @param w the horizontal dilation
     * @return this builder
     */
    public B dilation(int h, int w) { dilationH = h; dilationW = w; return self(); }
    /**
     * Sets whether the layer has a bias (default true).
     *
     * @param b true for a bias
     * @return this builder
     */
    public B bias(boolean b) { bias = b; return self(); }
    /**
     * Sets the kernel function by name, as parsed by {@link KernelType#parse(String)}.
     *
     * @param t the kernel type's name
     * @return this builder
     */
    public B kernelType(String t) { kernelType = KernelType.parse(t); return self(); }

    /**
     * Sets the kernel function (default {@link KernelType#GAUSSIAN}).
     *
     * @param t the kernel type
     * @return this builder
     * @throws NullPointerException if {@code t} is null
     */
    public B kernelType(KernelType t) {
        if (t == null) {
            throw new NullPointerException("kernelType");
        }
        kernelType = t;
        return self();
    }

    /**
     * Sets the guide's smoothing by name, as parsed by {@link SmoothKernel#parse(String)}.
     *
     * @param t the smooth kernel type's name
     * @return this builder
     */
    public B smoothKernelType(String t) { smooth = SmoothKernel.parse(t); return self(); }

    /**
     * Sets the guide's smoothing (default {@link SmoothKernel#NONE}).
     *
     * @param t the smooth kernel
     * @return this builder
     * @throws NullPointerException if {@code t} is null
     */
    public B smoothKernelType(SmoothKernel t) {
        if (t == null) {
            throw new NullPointerException("smoothKernelType");
        }
        smooth = t;
        return self();
    }

    /**
     * Sets whether the adaptive kernel is divided by its sum over the window (default false).
     *
     * @param v true to normalize
     * @return this builder
     */
    public B normalizeKernel(boolean v) { normalizeKernel = v; return self(); }
    /**
     * Sets whether the weight is one [1, 1, kH, kW] filter applied to every channel (default false).
     *
     * @param v true to share the filters
     * @return this builder
     */
    public B sharedFilters(boolean v) { sharedFilters = v; return self(); }
    /**
     * Sets the weight initialisation by name, as parsed by {@link Filler#parse(String)}.
     *
     * @param f the filler's name
     * @return this builder
     */
    public B filler(String f) { filler = Filler.parse(f); return self(); }

    /**
     * Sets the weight initialisation (default {@link Filler#UNIFORM}).
     *
     * @param f the filler
     * @return this builder
     * @throws NullPointerException if {@code f} is null
     */
    public B filler(Filler f) {
        if (f == null) {
            throw new NullPointerException("filler");
        }
        filler = f;
        return self();
    }

    /** Seed of the weight initialisation (default: random). */
    public B seed(long s) { seed = s; return self(); }

    SplittableRandom rng() {
        return seed == null ? new SplittableRandom() : new SplittableRandom(seed);
    }

    PacOptions.Builder optionsBuilder() {
        return PacOptions.builder(kernelH, kernelW).stride(strideH, strideW).padding(padH, padW)
                .dilation(dilationH, dilationW).kernelType(kernelType).normalizeKernel(normalizeKernel)
                .sharedFilters(sharedFilters);
    }
}
