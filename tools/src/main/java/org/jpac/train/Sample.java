package org.jpac.train;

/**
 * One training example at full resolution, planar float arrays: the guide image
 * {@code guide} [3, height, width] in [0, 1] and the target {@code target}
 * [channels, height, width] (depth in metres, or optical flow in pixels).
 *
 * @param guide the guide image [3, height, width] in [0, 1]
 * @param target the target [channels, height, width]
 * @param channels the target channels
 * @param height the height in pixels
 * @param width the width in pixels
 */
public record Sample(float[] guide, float[] target, int channels, int height, int width) {

    /**
     * Checks the sizes against the arrays.
     *
     * @throws IllegalArgumentException if a size is below 1 or an array's length does not match the sizes
     */
    public Sample {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("channels/height/width: must be >= 1, got " + channels + ", " + height
                    + ", " + width);
        }
        if (guide.length != 3 * height * width) {
            throw new IllegalArgumentException("guide: expected 3 x " + height + " x " + width + " values, got "
                    + guide.length);
        }
        if (target.length != channels * height * width) {
            throw new IllegalArgumentException("target: expected " + channels + " x " + height + " x " + width
                    + " values, got " + target.length);
        }
    }

    /** This sample cut at the bottom and right to multiples of {@code m} (itself when it fits). */
    public Sample trimmedTo(int m) {
        int h = height - height % m;
        int w = width - width % m;
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("m: " + height + "x" + width + " is smaller than " + m);
        }
        return h == height && w == width ? this : crop(0, 0, h, w);
    }

    /** The window of size h x w at (top, left), as a new sample. */
    public Sample crop(int top, int left, int h, int w) {
        if (top < 0 || left < 0 || h < 1 || w < 1 || top + h > height || left + w > width) {
            throw new IllegalArgumentException("crop: " + h + "x" + w + " at (" + top + ", " + left
                    + ") does not fit in " + height + "x" + width);
        }
        return new Sample(window(guide, 3, top, left, h, w), window(target, channels, top, left, h, w), channels, h, w);
    }

    private float[] window(float[] src, int c, int top, int left, int h, int w) {
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(src, (ch * height + top + y) * width + left, out, (ch * h + y) * w, w);
            }
        }
        return out;
    }
}
