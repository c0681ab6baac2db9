package org.jpac.io.images;

import java.util.Arrays;

import org.jpac.Tensor;

/**
 * An image (or any per-pixel field: depth, optical flow, class scores) in
 * memory: {@code channels x height x width} float samples, planar, row-major
 * (channel c, row y, column x at {@code (c * height + y) * width + x}).
 *
 * <p>Samples are the file's values as they are: a 16-bit PNG gives 0..65535, an
 * 8-bit one 0..255, a float file its floats. {@link #bitDepth()} says where
 * integer samples came from (0 for float data), so callers choose the scale:
 * {@link #normalized()} maps integer samples to [0, 1], {@link #scaled} divides
 * by a unit (e.g. 1000 for millimetres to metres). {@link #format()},
 * {@link #hasAlpha()} and {@link #npyLayout()} describe the source file.
 *
 * <p>Immutable in shape; the sample array is shared, not copied.
 */
public final class Image {

    private final float[] data;
    private final int channels;
    private final int height;
    private final int width;
    private final ImageFormat format;
    private final int bitDepth;
    private final boolean alpha;
    private final NpyLayout npyLayout;

    private Image(float[] data, int channels, int height, int width, ImageFormat format, int bitDepth,
                  boolean alpha, NpyLayout npyLayout) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image: size must be at least 1x1x1, got " + channels + "x" + height
                    + "x" + width);
        }
        if (data == null) {
            throw new NullPointerException("data");
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("data: length " + data.length + " does not match " + channels + "x"
                    + height + "x" + width);
        }
        if (bitDepth < 0 || bitDepth > 16) {
            throw new IllegalArgumentException("bitDepth: must be 0 (float) or 1..16, got " + bitDepth);
        }
        this.data = data;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.format = format;
        this.bitDepth = bitDepth;
        this.alpha = alpha;
        this.npyLayout = npyLayout;
    }

    /** A float image of planar samples {@code [channels, height, width]} (no source format). */
    public static Image of(float[] data, int channels, int height, int width) {
        return new Image(data, channels, height, width, null, 0, false, null);
    }

    /** Integer samples (stored as floats) from a source of the given bit depth. */
    public static Image ofSamples(float[] data, int channels, int height, int width, int bitDepth) {
        return new Image(data, channels, height, width, null, bitDepth, false, null);
    }

    /** The image of a tensor {@code [1, C, H, W]} or {@code [C, H, W]} (copied; float data). */
    public static Image fromTensor(Tensor t) {
        long[] s = t.shape();
        if (!(s.length == 4 && s[0] == 1) && s.length != 3) {
            throw new IllegalArgumentException("tensor: expected [1, C, H, W] or [C, H, W], got "
                    + Arrays.toString(s));
        }
        int o = s.length - 3;
        return of(t.toArray(), Math.toIntExact(s[o]), Math.toIntExact(s[o + 1]), Math.toIntExact(s[o + 2]));
    }

    /** The same samples with a note of where they came from. */
    Image withSource(ImageFormat format, int bitDepth, boolean alpha, NpyLayout layout) {
        return new Image(data, channels, height, width, format, bitDepth, alpha, layout);
    }

    /** The samples (shared, not copied). */
    public float[] data() {
        return data;
    }

    /** The number of channels. */
    public int channels() {
        return channels;
    }

    /** The height in pixels. */
    public int height() {
        return height;
    }

    /** The width in pixels. */
    public int width() {
        return width;
    }

    /** The format of the file this was read from, or null. */
    public ImageFormat format() {
        return format;
    }

    /** Bits per sample of integer source data (8 or 16, also 1, 2, 4 for low-depth PNG); 0 for float data. */
    public int bitDepth() {
        return bitDepth;
    }

    /** Whether the samples are integers from a file (PNG, uint8/uint16 npy). */
    public boolean isInteger() {
        return bitDepth > 0;
    }

    /** The largest integer sample value, {@code 2^bitDepth - 1}; 1 for float data. */
    public double maxSample() {
        return bitDepth == 0 ? 1.0 : (1 << bitDepth) - 1;
    }

    /** Whether the last channel is an alpha channel (PNG grey+alpha or RGBA). */
    public boolean hasAlpha() {
        return alpha;
    }

    /** For an image read from {@code .npy}: the layout it was read with (HWC or CHW); else null. */
    public NpyLayout npyLayout() {
        return npyLayout;
    }

    /** "WIDTHxHEIGHT", as image sizes are usually written. */
    public String size() {
        return width + "x" + height;
    }

    /** Number of pixels per channel. */
    public int pixels() {
        return height * width;
    }

    /**
     * The sample of channel {@code c} at row {@code y}, column {@code x} (no bounds check beyond the array's).
     *
     * @param c the channel
     * @param y the row (0 at the top)
     * @param x the column
     * @return the sample
     */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** A copy of channel {@code c}'s samples. */
    public float[] plane(int c) {
        java.util.Objects.checkIndex(c, channels);
        return Arrays.copyOfRange(data, c * pixels(), (c + 1) * pixels());
    }

    /** The image without its alpha channel (this image when it has none). */
    public Image withoutAlpha() {
        if (!alpha) {
            return this;
        }
        return new Image(Arrays.copyOf(data, (channels - 1) * pixels()), channels - 1, height, width, format,
                bitDepth, false, npyLayout);
    }

    /** Channels {@code from .. from + count - 1} (copied). */
    public Image channels(int from, int count) {
        if (from < 0 || count < 1 || from + count > channels) {
            throw new IndexOutOfBoundsException("channels " + from + ".." + (from + count - 1) + " of a "
                    + channels + "-channel image");
        }
        boolean a = alpha && from + count == channels;
        return new Image(Arrays.copyOfRange(data, from * pixels(), (from + count) * pixels()), count, height, width,
                format, bitDepth, a, npyLayout);
    }

    /** Every sample divided by {@code unit} (float data); e.g. 1000 turns millimetres into metres. */
    public Image scaled(double unit) {
        if (!(unit > 0) || Double.isInfinite(unit)) {
            throw new IllegalArgumentException("unit: must be positive and finite, got " + unit);
        }
        float[] d = new float[data.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (data[i] / unit);
        }
        return new Image(d, channels, height, width, format, 0, alpha, npyLayout);
    }

    /** Integer samples divided by {@link #maxSample()} (to [0, 1]); float data unchanged. */
    public Image normalized() {
        return isInteger() ? scaled(maxSample()) : this;
    }

    /** A new tensor {@code [1, C, H, W]} holding the samples (the caller closes it). */
    public Tensor toTensor() {
        return Tensor.of(data, 1, channels, height, width);
    }

    /** Width x height, kind and source, e.g. "640x480 RGB (8-bit PNG)". */
    public String describe() {
        String kind = switch (channels) {
            case 1 -> "grey";
            case 2 -> alpha ? "grey+alpha" : "2-channel";
            case 3 -> "RGB";
            case 4 -> alpha ? "RGBA" : "4-channel";
            default -> channels + "-channel";
        };
        String src = format == null ? "" : " (" + (format == ImageFormat.PNG ? bitDepth + "-bit PNG"
                : format == ImageFormat.NPY ? (bitDepth == 0 ? "float npy" : "uint" + bitDepth + " npy")
                : "PFM") + ")";
        return size() + " " + kind + src;
    }

    @Override
    public String toString() {
        return "Image[" + describe() + "]";
    }
}
