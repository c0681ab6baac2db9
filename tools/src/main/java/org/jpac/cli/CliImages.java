package org.jpac.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.jpac.io.images.Image;
import org.jpac.io.images.ImageFormat;
import org.jpac.io.images.Images;
import org.jpac.io.images.NpyLayout;

/**
 * How the commands read and write images.
 *
 * <ul>
 * <li>Guides (colour images that steer a filter) are taken in [0, 1]: integer
 *     samples divided by their maximum (255, 65535), float files as stored;
 *     an alpha channel is dropped.</li>
 * <li>Data (a depth map, flow, an image being filtered) is taken in its own
 *     units: integer samples divided by {@code --depth-scale} (default 1: the
 *     raw values, e.g. millimetres in a 16-bit PNG), float files as stored.</li>
 * <li>Results are written in the format of the {@code --out} extension
 *     ({@code .png}, {@code .npy}, {@code .pfm}), or the input's format when
 *     the extension names none. PNG: {@code --bits} (default: the input PNG's
 *     depth, else 16); a sample is {@code value * --depth-scale} when given,
 *     else the value itself for integer inputs and {@code value * (2^bits - 1)}
 *     for float inputs (float data taken to be in [0, 1]); values outside the
 *     range are clipped, with a warning. {@code .npy}: float32 in the input's
 *     layout (or {@code --npy-layout}). PFM: float32, 1 or 3 channels.</li>
 * </ul>
 */
final class CliImages {

    private CliImages() {
    }

    /** Reads an image given by option {@code opt}; a one-line error names the option. */
    static Image read(String opt, Path file, NpyLayout layout) {
        try {
            return Images.read(file, layout);
        } catch (IOException e) {
            throw CliException.failure("cannot read " + opt + " " + CliCommand.ioMessage(e));
        }
    }

    /** The size of the image in option {@code opt}'s file, from its header; a one-line error names the option. */
    static Images.Size size(String opt, Path file, NpyLayout layout) {
        try {
            return Images.size(file, layout);
        } catch (IOException e) {
            throw CliException.failure("cannot read " + opt + " " + CliCommand.ioMessage(e));
        }
    }

    /** A guide in [0, 1] without alpha. */
    static Image guide(Image img) {
        return img.withoutAlpha().normalized();
    }

    /** Data in its units: integer samples / unit (null: 1), float as stored; no alpha. */
    static Image data(Image img, Double unit) {
        Image i = img.withoutAlpha();
        return i.isInteger() ? i.scaled(unit == null ? 1.0 : unit) : i;
    }

    /** The npy layout option, or null when absent. */
    static NpyLayout layoutOption(Args a) {
        String l = a.choice("--npy-layout", null, "auto", "hwc", "chw");
        return l == null ? null : NpyLayout.parse(l);
    }

    /** Where and how a result is written. */
    record Output(Path path, ImageFormat format, int pngBits, double pngScale, NpyLayout layout) {
    }

    /**
     * Plans the output before any work is done, so that a bad name, a missing
     * directory or a format that cannot hold the result fails early.
     */
    static Output plan(Path out, Image source, int channels, Double unit, Integer bits, NpyLayout layout) {
        ImageFormat f = ImageFormat.fromExtension(out);
        if (f == null) {
            f = source.format();
        }
        if (f == null) {
            throw CliException.usage("--out: cannot tell the format of '" + out + "' (use .png, .npy or .pfm)");
        }
        checkOutPath(out);
        if (f == ImageFormat.PNG && channels != 1 && channels != 3) {
            throw CliException.failure("--out: a PNG holds 1 or 3 channels, the result has " + channels
                    + " (write it as .npy)");
        }
        if (f == ImageFormat.PFM && channels != 1 && channels != 3) {
            throw CliException.failure("--out: a PFM holds 1 or 3 channels, the result has " + channels
                    + " (write it as .npy)");
        }
        int b = bits != null ? bits
                : source.format() == ImageFormat.PNG || source.isInteger() ? (source.bitDepth() <= 8 ? 8 : 16) : 16;
        double scale = unit != null ? unit : source.isInteger() ? 1.0 : (1 << b) - 1;
        NpyLayout l = layout != null ? layout : source.npyLayout() != null ? source.npyLayout() : NpyLayout.AUTO;
        return new Output(out, f, b, scale, l);
    }

    /** As {@link #checkOutPath(String, Path)} for {@code --out}. */
    static void checkOutPath(Path out) {
        checkOutPath("--out", out);
    }

    /**
     * Fails early, naming {@code opt} and the file, when {@code out} is a directory, its directory does not
     * exist or cannot take a new file (the write goes through a temporary file beside it), or its name is
     * too long: found after the work, the error would cost the whole run.
     */
    static void checkOutPath(String opt, Path out) {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw CliException.failure(opt + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(out)) {
            throw CliException.failure(opt + ": " + out + " is a directory");
        }
        if (out.getFileName() != null && out.getFileName().toString().getBytes(StandardCharsets.UTF_8).length
                > MAX_NAME_BYTES) {
            throw CliException.failure(opt + " " + out + ": the file name is longer than " + MAX_NAME_BYTES
                    + " bytes");
        }
        if (Files.exists(out) && !Files.isRegularFile(out)) {
            // a device or FIFO is written in place
            if (!Files.isWritable(out)) {
                throw CliException.failure("cannot write " + opt + " " + out + ": permission denied");
            }
            return;
        }
        Path dir = realParent(out);
        // isWritable is true for root on /proc, where no file can be made: so a file is made and removed
        if (!Files.isWritable(dir) || !canCreateIn(dir)) {
            throw CliException.failure("cannot write " + opt + " " + out + ": cannot create a file in " + dir);
        }
    }

    /** Longest file name most file systems take (ext4, xfs, btrfs: 255 bytes). */
    private static final int MAX_NAME_BYTES = 255;

    /** The folder a write of {@code out} creates its temporary file in: that of the file a link leads to. */
    private static Path realParent(Path out) {
        Path p = out.toAbsolutePath();
        try {
            for (int i = 0; i < 40 && Files.isSymbolicLink(p); i++) {
                p = p.resolveSibling(Files.readSymbolicLink(p));
            }
        } catch (IOException e) {
            // unreadable link: its own folder is the best guess
        }
        Path parent = p.normalize().getParent();
        return parent == null ? p.getRoot() : parent;
    }

    private static boolean canCreateIn(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".jpac-probe.", ".tmp"));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The {@code --bits} option (8 or 16), or null when absent. */
    static Integer bitsOption(Args a) {
        String b = a.choice("--bits", null, "8", "16");
        return b == null ? null : Integer.valueOf(b);
    }

    /** Writes a result as planned; warns about clipped PNG samples. */
    static void write(Output o, Image result, Progress progress) throws IOException {
        Image img = result;
        if (o.format() == ImageFormat.PNG) {
            float[] d = result.data();
            float[] s = new float[d.length];
            int max = (1 << o.pngBits()) - 1;
            long clipped = 0;
            for (int i = 0; i < d.length; i++) {
                double v = d[i] * o.pngScale();
                if (!(v >= -0.5 && v <= max + 0.5)) {
                    clipped++;
                }
                s[i] = (float) v;
            }
            if (clipped > 0) {
                progress.warn(String.format(Locale.ROOT, "%d of %d values fall outside the %d-bit PNG range 0..%d at "
                        + "scale %g and were clipped (set --depth-scale, or write .npy)", clipped, d.length,
                        o.pngBits(), max, o.pngScale()));
            }
            img = Image.of(s, result.channels(), result.height(), result.width());
        }
        try {
            Images.write(o.path(), img, o.format(), o.pngBits(), o.layout());
        } catch (IOException e) {
            throw CliException.failure("cannot write --out " + CliCommand.ioMessage(e));
        }
    }

    /** "640x480" (width x height). */
    static String size(long h, long w) {
        return w + "x" + h;
    }
}
