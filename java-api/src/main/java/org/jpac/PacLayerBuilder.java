package org.jpac;

import java.util.SplittableRandom;

/**
 * Options shared by the layer builders, with the reference's defaults:
 * stride 1, padding 0, dilation 1, bias, gaussian kernel, no smoothing, no
 * normalisation, no shared filters, uniform filler, a random seed.
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

    public B kernelSize(int h, int w) { kernelH = h; kernelW = w; return self(); }
    public B stride(int s) { return stride(s, s); }
    public B stride(int h, int w) { strideH = h; strideW = w; return self(); }
    public B padding(int p) { return padding(p, p); }
    public B padding(int h, int w) { padH = h; padW = w; return self(); }
    public B dilation(int d) { return dilation(d, d); }
    public B dilation(int h, int w) { dilationH = h; dilationW = w; return self(); }
    public B bias(boolean b) { bias = b; return self(); }
    public B kernelType(String t) { kernelType = KernelType.parse(t); return self(); }

    public B kernelType(KernelType t) {
        if (t == null) {
            throw new NullPointerException("kernelType");
        }
        kernelType = t;
        return self();
    }

    public B smoothKernelType(String t) { smooth = SmoothKernel.parse(t); return self(); }

    public B smoothKernelType(SmoothKernel t) {
        if (t == null) {
            throw new NullPointerException("smoothKernelType");
        }
        smooth = t;
        return self();
    }

    public B normalizeKernel(boolean v) { normalizeKernel = v; return self(); }
    public B sharedFilters(boolean v) { sharedFilters = v; return self(); }
    public B filler(String f) { filler = Filler.parse(f); return self(); }

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
