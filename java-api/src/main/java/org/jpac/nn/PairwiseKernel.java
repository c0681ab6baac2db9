package org.jpac.nn;

import java.util.Set;

/**
 * The arguments of one CRF pairwise term, as the reference's
 * {@code add_pairwise_kernel(kernel_size=3, dilation=1, blur=1, compat_type='4d',
 * spatial_filter=True, pairwise_weight=1.0)}.
 *
 * @param kernelSize     odd window size k
 * @param dilation       window dilation (padding is {@code (k / 2) * dilation})
 * @param blur           the message is computed on Q average-pooled by this factor, then upsampled back
 * @param compatType     label compatibility
 * @param spatialFilter  for shared filters: learnable Gaussian-initialised spatial filter (true) or
 *                       a fixed all-ones filter with a zero centre (false)
 * @param pairwiseWeight weight of the term (negated for potts)
 */
public record PairwiseKernel(int kernelSize, int dilation, int blur, CompatType compatType, boolean spatialFilter,
                             double pairwiseWeight) {

    private static final Set<String> KEYS = Set.of("kernel_size", "dilation", "blur", "compat_type",
            "spatial_filter", "pairwise_weight");

    /**
     * Checks the arguments.
     *
     * @throws IllegalArgumentException if {@code kernelSize} is not odd and positive, {@code dilation} or
     *     {@code blur} is below 1, or {@code pairwiseWeight} is not finite
     * @throws NullPointerException if {@code compatType} is null
     */
    public PairwiseKernel {
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("kernelSize: must be odd and >= 1, got " + kernelSize);
        }
        if (dilation < 1) {
            throw new IllegalArgumentException("dilation: must be >= 1, got " + dilation);
        }
        if (blur < 1) {
            throw new IllegalArgumentException("blur: must be >= 1, got " + blur);
        }
        if (compatType == null) {
            throw new NullPointerException("compatType");
        }
        if (!Double.isFinite(pairwiseWeight)) {
            throw new IllegalArgumentException("pairwiseWeight: must be finite, got " + pairwiseWeight);
        }
    }

    /** The reference's defaults: 3x3, dilation 1, no blur, 4d, spatial filter, weight 1. */
    public static PairwiseKernel defaults() {
        return new PairwiseKernel(3, 1, 1, CompatType.FOUR_D, true, 1.0);
    }

    /**
     * The same term with another window size.
     *
     * @param k the window size (odd)
     * @return the new term
     */
    public PairwiseKernel withKernelSize(int k) {
        return new PairwiseKernel(k, dilation, blur, compatType, spatialFilter, pairwiseWeight);
    }

    /**
     * The same term with another dilation.
     *
     * @param d the dilation (at least 1)
     * @return the new term
     */
    public PairwiseKernel withDilation(int d) {
        return new PairwiseKernel(kernelSize, d, blur, compatType, spatialFilter, pairwiseWeight);
    }

    /**
     * The same term with another blur factor.
     *
     * @param b the blur factor (at least 1)
     * @return the new term
     */
    public PairwiseKernel withBlur(int b) {
        return new PairwiseKernel(kernelSize, dilation, b, compatType, spatialFilter, pairwiseWeight);
    }

    /**
     * The same term with another label compatibility.
     *
     * @param c the compatibility type
     * @return the new term
     */
    public PairwiseKernel withCompatType(CompatType c) {
        return new PairwiseKernel(kernelSize, dilation, blur, c, spatialFilter, pairwiseWeight);
    }

    /**
     * The same term with another choice of spatial filter.
     *
     * @param s true for a learnable spatial filter
     * @return the new term
     */
    public PairwiseKernel withSpatialFilter(boolean s) {
        return new PairwiseKernel(kernelSize, dilation, blur, compatType, s, pairwiseWeight);
    }

    /**
     * The same term with another weight.
     *
     * @param w the weight (finite)
     * @return the new term
     */
    public PairwiseKernel withPairwiseWeight(double w) {
        return new PairwiseKernel(kernelSize, dilation, blur, compatType, spatialFilter, w);
    }

    /**
     * From the reference's keyword arguments (e.g. one entry of the golden
     * files' {@code pairwise_kernels}); missing keys take the defaults, unknown keys throw.
     */
    public static PairwiseKernel fromArgs(ModelArgs a) {
        a.rejectUnknown(KEYS);
        PairwiseKernel d = defaults();
        return new PairwiseKernel(
                a.getInt("kernel_size", d.kernelSize, 1, ModelLimits.MAX_KERNEL_SIZE),
                a.getInt("dilation", d.dilation, 1, ModelLimits.MAX_DILATION),
                a.getInt("blur", d.blur, 1, ModelLimits.MAX_DILATION),
                CompatType.parse(a.getString("compat_type", d.compatType.refName())),
                a.getBool("spatial_filter", d.spatialFilter),
                a.getDouble("pairwise_weight", d.pairwiseWeight));
    }

    /** Padding of the window: {@code (k / 2) * dilation} ("same" output size). */
    public int padding() {
        return kernelSize / 2 * dilation;
    }

    /** The reference's short description, e.g. {@code 4ds_5_2_1} or {@code 0d_3_4_2}. */
    public String describe() {
        return (compatType == CompatType.POTTS ? "0d" : compatType.refName()) + (spatialFilter ? "s" : "") + "_"
                + kernelSize + "_" + dilation + "_" + blur;
    }
}
