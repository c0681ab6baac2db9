package org.jpac.io.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.internal.InputFiles;

/**
 * Reading and writing images: PNG (8 and 16 bits, kept exactly), NumPy
 * {@code .npy} and PFM. Files are recognised by their content when read and by
 * their extension when written. Every failure is an {@link IOException} whose
 * message is one line naming the file: a missing or unreadable file, a file of
 * no supported format, a corrupt or truncated one, or one too large
 * ({@link #MAX_SAMPLES}).
 *
 * <p>Samples come back as stored (see {@link Image}); scaling to [0, 1] or to
 * physical units is the caller's choice ({@link Image#normalized()},
 * {@link Image#scaled}). Thread-safe.
 */
public final class Images {

    /** Most samples (channels x height x width) an image may have. */
    public static final long MAX_SAMPLES = 200_000_000L;

    private Images() {
    }

    /** Reads a PNG, {@code .npy} (with {@link NpyLayout#AUTO}) or PFM file. */
    public static Image read(Path file) throws IOException {
        return read(file, NpyLayout.AUTO);
    }

    /** Reads a PNG, {@code .npy} or PFM file; {@code layout} applies to 3-D {@code .npy} arrays. */
    public static Image read(Path file, NpyLayout layout) throws IOException {
        return switch (detect(file)) {
            case PNG -> Png.read(file);
            case NPY -> Npy.read(file, layout);
            case PFM -> Pfm.read(file);
        };
    }

    /**
     * An image's height and width in pixels.
     *
     * @param height the height in pixels
     * @param width the width in pixels
     */
    public record Size(int height, int width) {
        /** "WIDTHxHEIGHT", as {@link Image#size()} writes it. */
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /**
     * The size of the image in a PNG, {@code .npy} or PFM file, from its header
     * alone: sizes that must agree can be compared before any pixel is decoded.
     * The same checks as {@link #read} apply to what the header says.
     */
    public static Size size(Path file, NpyLayout layout) throws IOException {
        return switch (detect(file)) {
            case PNG -> Png.size(file);
            case NPY -> Npy.size(file, layout);
            case PFM -> Pfm.size(file);
        };
    }

    /** The format of a file's content; a one-line IOException when it is missing or none of them. */
    public static ImageFormat detect(Path file) throws IOException {
        checkReadable(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(8);
        }
        if (Png.isPng(head)) {
            return ImageFormat.PNG;
        }
        if (Npy.isNpy(head)) {
            return ImageFormat.NPY;
        }
        if (Pfm.isPfm(head)) {
            return ImageFormat.PFM;
        }
        throw new ImageFormatException(file, head.length == 0 ? "empty file, not an image"
                : "not a PNG, .npy or PFM file");
    }

    /**
     * Throws a one-line IOException when {@code file} is missing, a directory, not a regular file or
     * unreadable: a FIFO or device would block or never end when read (a link to a regular file is fine).
     */
    public static void checkReadable(Path file) throws IOException {
        InputFiles.checkReadable(file, "a file");
    }

    /**
     * Writes an image in the format of {@code file}'s extension ({@code .png},
     * {@code .npy}, {@code .pfm}); see {@link #write(Path, Image, ImageFormat, int, NpyLayout)}.
     */
    public static void write(Path file, Image img, int pngBits, NpyLayout layout) throws IOException {
        ImageFormat f = ImageFormat.fromExtension(file);
        if (f == null) {
            throw new ImageFormatException(file, "cannot tell the format from the file name (use .png, .npy or .pfm)");
        }
        write(file, img, f, pngBits, layout);
    }

    /**
     * Writes an image: PNG samples rounded and clamped to {@code pngBits} (8 or
     * 16) bits; {@code .npy} float32 in {@code layout}; PFM float32.
     */
    public static void write(Path file, Image img, ImageFormat format, int pngBits, NpyLayout layout)
            throws IOException {
        switch (format) {
            case PNG -> Png.write(file, img, pngBits);
            case NPY -> Npy.write(file, img, layout == null ? NpyLayout.AUTO : layout);
            case PFM -> Pfm.write(file, img);
        }
    }

    /** Checks a declared size before any memory is allocated for it. */
    static void checkSize(Path file, long w, long h, long channels) throws IOException {
        checkSize(file == null ? null : file.toString(), w, h, channels);
    }

    /** As {@link #checkSize(Path, long, long, long)} for data named {@code source} in messages. */
    static void checkSize(String source, long w, long h, long channels) throws IOException {
        if (w < 1 || h < 1) {
            throw new ImageFormatException(source, "bad image size " + w + "x" + h);
        }
        if (w > MAX_SAMPLES || h > MAX_SAMPLES || w * h > MAX_SAMPLES / Math.max(1, channels)) {
            throw new ImageFormatException(source, "image of " + w + "x" + h + " pixels is too large (at most "
                    + MAX_SAMPLES + " samples)");
        }
    }
}
