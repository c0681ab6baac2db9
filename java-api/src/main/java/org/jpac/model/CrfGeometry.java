package org.jpac.model;

/**
 * How a CRF's windows follow the image's size. The paper's PAC-CRF (5x5
 * windows at dilations 16 and 64, positions divided by 80 pixels) was set up
 * for PASCAL VOC images of about 500x375; on a photograph of another size the
 * same objects span another number of pixels. A scaled geometry multiplies
 * every dilation and the positions' scale by {@code sqrt(H * W) / referenceSide}
 * (dilations rounded, at least 1); a fixed one leaves them as built.
 *
 * @param referenceSide the geometric mean of the height and width the CRF's
 *                      dilations were set for, or 0 for a fixed geometry
 */
public record CrfGeometry(double referenceSide) {

    /** sqrt(500 * 375): the side of a PASCAL VOC image, where the paper's dilations 16 and 64 apply. */
    public static final double VOC_SIDE = Math.sqrt(500.0 * 375.0);

    /**
     * Checks the side.
     *
     * @throws IllegalArgumentException if {@code referenceSide} is negative or not finite
     */
    public CrfGeometry {
        if (!(referenceSide >= 0) || Double.isInfinite(referenceSide)) {
            throw new IllegalArgumentException("referenceSide: must be >= 0 and finite, got " + referenceSide);
        }
    }

    /** Dilations and scales as built, for any image size. */
    public static CrfGeometry fixed() {
        return new CrfGeometry(0);
    }

    /** Dilations and scales set for images of {@code side x side} pixels (or any of that area). */
    public static CrfGeometry scaled(double side) {
        if (!(side > 0)) {
            throw new IllegalArgumentException("side: must be > 0, got " + side);
        }
        return new CrfGeometry(side);
    }

    /** Whether windows follow the image's size. */
    public boolean isScaled() {
        return referenceSide > 0;
    }

    /** The factor for an image of {@code h x w}: {@code sqrt(h * w) / referenceSide}, 1 when fixed. */
    public double factor(long h, long w) {
        return isScaled() ? Math.sqrt((double) h * w) / referenceSide : 1;
    }

    /** Dilation {@code d} for an image of {@code h x w}. */
    public int dilation(int d, long h, long w) {
        return isScaled() ? (int) Math.max(1, Math.round(d * factor(h, w))) : d;
    }

    /** The metadata value that records this geometry in a weight file ({@code fixed} or {@code scaled:SIDE}). */
    public String metadata() {
        return isScaled() ? "scaled:" + referenceSide : "fixed";
    }

    /**
     * The geometry a weight file's metadata value names; null or absent means fixed.
     *
     * @throws IllegalArgumentException if the value is neither {@code fixed} nor {@code scaled:SIDE}
     */
    public static CrfGeometry parse(String value) {
        if (value == null || value.equals("fixed")) {
            return fixed();
        }
        if (value.startsWith("scaled:")) {
            try {
                return scaled(Double.parseDouble(value.substring("scaled:".length())));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("crf geometry: expected 'fixed' or 'scaled:SIDE', got '" + value + "'");
    }
}
