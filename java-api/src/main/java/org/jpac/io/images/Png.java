package org.jpac.io.images;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.zip.CRC32;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

import org.jpac.io.AtomicFiles;

/**
 * PNG through {@code javax.imageio}, sample by sample from the raster (never
 * through {@code BufferedImage}'s 8-bit RGB conversion), so 16-bit files keep
 * their 16 bits. Palette images are expanded to their colours (grey when the
 * palette is grey); {@link #readIndices} gives the palette indices instead.
 * Every chunk's CRC is checked, and a palette index without a colour refused
 * (ImageIO does neither).
 */
public final class Png {

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {
    }

    static {
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false); // no temp files; images are read whole anyway
    }

    /** Whether the bytes start with the PNG signature. */
    static boolean isPng(byte[] head) {
        return head.length >= SIGNATURE.length && Arrays.equals(Arrays.copyOf(head, SIGNATURE.length), SIGNATURE);
    }

    /** Reads a PNG: grey, grey+alpha, RGB or RGBA samples at the file's bit depth (palette: 8-bit colours). */
    public static Image read(Path file) throws IOException {
        return toImage(decode(file), file.toString());
    }

    /**
     * As {@link #read(Path)}, from the bytes of a PNG file held in memory (e.g.
     * a table column); {@code name} says where they came from in messages.
     */
    public static Image read(byte[] png, String name) throws IOException {
        if (png == null) {
            throw new NullPointerException("png");
        }
        return toImage(decode(png, name), name);
    }

    private static Image toImage(Decoded d, String where) throws IOException {
        BufferedImage img = d.image();
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        if (cm instanceof IndexColorModel icm) {
            return fromPalette(d.indices(where), icm, w, h);
        }
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        if (bands < 1 || bands > 4 || bits < 1 || bits > 16) {
            throw new ImageFormatException(where, "unsupported PNG layout (" + bands + " bands of " + bits + " bits)");
        }
        float[] data = new float[Math.multiplyExact(bands, w * h)];
        float[] plane = new float[w * h];
        for (int b = 0; b < bands; b++) {
            r.getSamples(0, 0, w, h, b, plane);
            System.arraycopy(plane, 0, data, b * w * h, w * h);
        }
        return Image.ofSamples(data, bands, h, w, bits).withSource(ImageFormat.PNG, bits, cm.hasAlpha(), null);
    }

    /**
     * The palette indices of an indexed PNG, or the samples of a one-channel
     * (grey) PNG, as {@code [height * width]} integers (e.g. a label map).
     */
    public static int[] readIndices(Path file, int[] sizeOut) throws IOException {
        Decoded d = decode(file);
        BufferedImage img = d.image();
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new ImageFormatException(file, "expected a palette or one-channel grey PNG, got "
                    + r.getNumBands() + " channels");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        if (sizeOut != null) {
            sizeOut[0] = h;
            sizeOut[1] = w;
        }
        return d.indices(file.toString());
    }

    /**
     * A decoded image and, for a palette PNG, the entries its PLTE chunk holds (ImageIO pads its colour model
     * to a power of two with copies of the last colour, so the model's size does not say), else -1.
     */
    private record Decoded(BufferedImage image, int paletteEntries) {
        /** Band 0's samples; for a palette PNG, refused when one has no palette entry (the format forbids it). */
        int[] indices(String where) throws ImageFormatException {
            int w = image.getWidth();
            int[] idx = image.getRaster().getSamples(0, 0, w, image.getHeight(), 0, new int[w * image.getHeight()]);
            for (int p = 0; paletteEntries >= 0 && p < idx.length; p++) {
                if (idx[p] >= paletteEntries) {
                    throw new ImageFormatException(where, "corrupt PNG: pixel (" + p % w + ", " + p / w
                            + ") has palette index " + idx[p] + ", the palette holds " + paletteEntries + " colours");
                }
            }
            return idx;
        }
    }

    private static Image fromPalette(int[] idx, IndexColorModel icm, int w, int h) {
        int n = icm.getMapSize();
        boolean grey = true;
        for (int i = 0; i < n; i++) {
            grey &= icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
        }
        boolean alpha = icm.hasAlpha();
        int colours = grey ? 1 : 3;
        int ch = colours + (alpha ? 1 : 0);
        float[] data = new float[ch * w * h];
        int plane = w * h;
        for (int p = 0; p < plane; p++) {
            int i = idx[p]; // within the palette: Decoded.indices checked it
            if (grey) {
                data[p] = icm.getRed(i);
            } else {
                data[p] = icm.getRed(i);
                data[plane + p] = icm.getGreen(i);
                data[2 * plane + p] = icm.getBlue(i);
            }
            if (alpha) {
                data[colours * plane + p] = icm.getAlpha(i);
            }
        }
        return Image.ofSamples(data, ch, h, w, 8).withSource(ImageFormat.PNG, 8, alpha, null);
    }

    /**
     * The size of a PNG file from its IHDR chunk (the first after the
     * signature), without decoding anything; checked as {@link #read} checks it.
     */
    static Images.Size size(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SIGNATURE.length + 25); // length, type, 13 bytes of IHDR, CRC
        }
        if (!isPng(head)) {
            throw new ImageFormatException(file, head.length == 0 ? "empty file, not a PNG" : "not a PNG file");
        }
        ByteBuffer b = ByteBuffer.wrap(head); // big-endian, as PNG is
        if (head.length < SIGNATURE.length + 25 || b.getInt(SIGNATURE.length + 4) != 0x49484452) { // "IHDR"
            throw new ImageFormatException(file, "corrupt or truncated PNG (no IHDR chunk after the signature)");
        }
        checkChunks(file.toString(), new ByteArrayInputStream(head)); // the IHDR's CRC; the input ends after it
        long w = b.getInt(SIGNATURE.length + 8) & 0xffffffffL;
        long h = b.getInt(SIGNATURE.length + 12) & 0xffffffffL;
        Images.checkSize(file, w, h, 4);
        return new Images.Size((int) h, (int) w);
    }

    /** Decodes a PNG file with size and chunk CRC checks and one-line errors. */
    private static Decoded decode(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SIGNATURE.length);
        }
        String where = file.toString();
        checkSignature(head, where);
        int palette;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            palette = checkChunks(where, in);
        }
        BufferedImage img = decode(where, Files.size(file), () -> ImageIO.createImageInputStream(file.toFile()));
        return new Decoded(img, palette);
    }

    /** Decodes PNG bytes in memory, with the checks of {@link #decode(Path)}. */
    private static Decoded decode(byte[] png, String where) throws IOException {
        checkSignature(png, where);
        int palette = checkChunks(where, new ByteArrayInputStream(png));
        BufferedImage img = decode(where, png.length,
                () -> ImageIO.createImageInputStream(new ByteArrayInputStream(png)));
        return new Decoded(img, palette);
    }

    /**
     * Checks the CRC-32 of every chunk up to IEND, which ImageIO never does: a damaged PLTE would silently
     * change the colours. Returns the number of PLTE entries of a palette PNG, else -1. A file that ends
     * early or declares an impossible chunk length is left to the decoder, which says it is truncated.
     */
    private static int checkChunks(String where, InputStream in) throws IOException {
        in.skipNBytes(SIGNATURE.length);
        byte[] buf = new byte[8192];
        CRC32 crc = new CRC32();
        int colourType = -1;
        int palette = -1;
        while (true) {
            byte[] lt = in.readNBytes(8);
            long len = lt.length < 8 ? -1 : ByteBuffer.wrap(lt).getInt() & 0xffffffffL;
            if (len < 0 || len > Integer.MAX_VALUE) {
                break;
            }
            String type = chunkType(lt);
            crc.reset();
            crc.update(lt, 4, 4);
            if (type.equals("IHDR") && len == 13) {
                byte[] ihdr = in.readNBytes(13);
                crc.update(ihdr);
                colourType = ihdr.length == 13 ? ihdr[9] : -1;
            } else if (!update(crc, in, len, buf)) {
                break;
            }
            byte[] stored = in.readNBytes(4);
            if (stored.length < 4) {
                break;
            }
            int want = ByteBuffer.wrap(stored).getInt();
            if ((int) crc.getValue() != want) {
                throw new ImageFormatException(where, "corrupt PNG: chunk " + type + " fails its CRC check (stored "
                        + String.format("%08x", want) + ", computed " + String.format("%08x", crc.getValue()) + ")");
            }
            if (type.equals("PLTE")) {
                palette = (int) (len / 3);
            } else if (type.equals("IEND")) {
                break;
            }
        }
        return colourType == 3 ? palette : -1;
    }

    /** Feeds the next {@code len} bytes to {@code crc}; false if the input ends first. */
    private static boolean update(CRC32 crc, InputStream in, long len, byte[] buf) throws IOException {
        for (long left = len; left > 0; ) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return false;
            }
            crc.update(buf, 0, n);
            left -= n;
        }
        return true;
    }

    /** A chunk's four-letter type, other bytes escaped. */
    private static String chunkType(byte[] lengthAndType) {
        StringBuilder b = new StringBuilder();
        for (int i = 4; i < 8; i++) {
            int c = lengthAndType[i] & 0xff;
            b.append(Character.isLetter(c) && c < 0x80 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return b.toString();
    }

    private static void checkSignature(byte[] head, String where) throws IOException {
        if (!isPng(head)) {
            throw new ImageFormatException(where, head.length == 0 ? "empty file, not a PNG" : "not a PNG file");
        }
    }

    /** Opens the decoder's input; a file or bytes in memory. */
    private interface Input {
        ImageInputStream open() throws IOException;
    }

    private static BufferedImage decode(String where, long bytes, Input input) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
        if (!readers.hasNext()) {
            throw new ImageFormatException(where, "no PNG reader in this Java runtime");
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = input.open()) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            Images.checkSize(where, w, h, 4);
            checkDataCanFill(where, bytes, reader, w, h);
            BufferedImage img = reader.read(0);
            if (img == null) {
                throw new ImageFormatException(where, "PNG decoder returned no image");
            }
            return img;
        } catch (IIOException e) {
            throw new ImageFormatException(where, "corrupt or truncated PNG (" + oneLine(e) + ")", e);
        } catch (RuntimeException e) {
            // the decoder's own failures on hostile input (index, negative size, inflater errors)
            throw new ImageFormatException(where, "corrupt PNG (" + oneLine(e) + ")", e);
        } finally {
            reader.dispose();
        }
    }

    /** Deflate expands at most this many times (258-byte matches of about 2 bits each). */
    private static final long MAX_DEFLATE_RATIO = 1032;

    /**
     * Refuses a header that declares more pixel data than the whole file could
     * inflate to: the decoder allocates the full raster before it reads any
     * data, so a tiny file must not get to declare a huge image.
     */
    private static void checkDataCanFill(String where, long fileBytes, ImageReader reader, long w, long h)
            throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        long bitsPerPixel = 0;
        for (int b = 0; type != null && b < type.getNumBands(); b++) {
            bitsPerPixel += type.getBitsPerBand(b);
        }
        long rowBytes = (w * Math.max(1, bitsPerPixel) + 7) / 8 + 1; // + the filter byte
        if (h * rowBytes > MAX_DEFLATE_RATIO * fileBytes) {
            throw new ImageFormatException(where, "corrupt PNG: " + w + "x" + h + " pixels need " + h * rowBytes
                    + " bytes of image data, more than a " + fileBytes + "-byte file can hold");
        }
    }

    private static String oneLine(Throwable e) {
        Throwable t = e;
        String m = null;
        while (t != null && m == null) {
            m = t.getMessage();
            t = t.getCause() == t ? null : t.getCause();
        }
        if (m == null) {
            m = e.getClass().getSimpleName();
        }
        return m.replaceAll("\\s+", " ").trim();
    }

    /**
     * Writes samples as a PNG of {@code bits} (8 or 16) bits per sample: 1
     * channel grey, 3 RGB, 2 or 4 when the image has alpha. Samples are rounded
     * and clamped to {@code 0 .. 2^bits - 1}.
     */
    public static void write(Path file, Image img, int bits) throws IOException {
        encode(file, toBufferedImage(img, bits, file.toString()));
    }

    /**
     * The bytes of the PNG file {@link #write} would write (e.g. for a table
     * column); samples rounded and clamped the same way.
     */
    public static byte[] encode(Image img, int bits) throws IOException {
        if (img == null) {
            throw new NullPointerException("img");
        }
        BufferedImage bi = toBufferedImage(img, bits, null);
        ImageWriter writer = pngWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(bi);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static BufferedImage toBufferedImage(Image img, int bits, String where) throws IOException {
        if (bits != 8 && bits != 16) {
            throw new IllegalArgumentException("bits: PNG samples are written with 8 or 16 bits, got " + bits);
        }
        int c = img.channels();
        boolean alpha = c == 2 || c == 4;
        if (c > 4 || (alpha && !img.hasAlpha())) {
            throw new ImageFormatException(where, "a PNG holds grey, RGB or (with alpha) 2 or 4 channels; this "
                    + "image has " + c + " channels: write it as .npy");
        }
        ColorSpace cs = ColorSpace.getInstance(c <= 2 ? ColorSpace.CS_GRAY : ColorSpace.CS_sRGB);
        int type = bits == 8 ? DataBuffer.TYPE_BYTE : DataBuffer.TYPE_USHORT;
        ComponentColorModel cm = new ComponentColorModel(cs, alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, type);
        int w = img.width();
        int h = img.height();
        WritableRaster r = cm.createCompatibleWritableRaster(w, h);
        int max = (1 << bits) - 1;
        int[] plane = new int[w * h];
        float[] d = img.data();
        for (int b = 0; b < c; b++) {
            for (int p = 0; p < plane.length; p++) {
                float v = d[b * plane.length + p];
                plane[p] = v != v ? 0 : (int) Math.max(0, Math.min(max, Math.round(v)));
            }
            r.setSamples(0, 0, w, h, b, plane);
        }
        return new BufferedImage(cm, r, false, null);
    }

    /**
     * Writes a label map as an 8-bit palette PNG ({@code labels} in 0..255, one
     * per pixel, {@code palette} 0xRRGGBB colours by label).
     */
    public static void writeIndexed(Path file, int[] labels, int height, int width, int[] palette)
            throws IOException {
        if (labels.length != height * width) {
            throw new IllegalArgumentException("labels: length " + labels.length + " is not " + height + "x" + width);
        }
        if (palette.length < 1 || palette.length > 256) {
            throw new IllegalArgumentException("palette: 1..256 colours, got " + palette.length);
        }
        byte[] rr = new byte[palette.length];
        byte[] gg = new byte[palette.length];
        byte[] bb = new byte[palette.length];
        for (int i = 0; i < palette.length; i++) {
            rr[i] = (byte) (palette[i] >> 16);
            gg[i] = (byte) (palette[i] >> 8);
            bb[i] = (byte) palette[i];
        }
        IndexColorModel icm = new IndexColorModel(8, palette.length, rr, gg, bb);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, icm);
        WritableRaster r = img.getRaster();
        for (int v : labels) {
            if (v < 0 || v >= palette.length) {
                throw new IllegalArgumentException("labels: value " + v + " has no palette entry (0.."
                        + (palette.length - 1) + ")");
            }
        }
        r.setSamples(0, 0, width, height, 0, labels);
        encode(file, img);
    }

    private static ImageWriter pngWriter() throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IOException("no PNG writer in this Java runtime");
        }
        return writers.next();
    }

    private static void encode(Path file, BufferedImage img) throws IOException {
        ImageWriter writer = pngWriter();
        try {
            AtomicFiles.write(file, os -> {
                try (ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
                    writer.setOutput(out);
                    writer.write(img);
                    out.flush();
                } catch (IIOException e) {
                    // ImageIO says only "I/O error writing PNG file!"; the cause says what went wrong
                    if (e.getCause() instanceof FileSystemException f) {
                        throw f;
                    }
                    if (e.getCause() instanceof IOException c && c.getMessage() != null) {
                        FileSystemException f = new FileSystemException(file.toString(), null, c.getMessage());
                        f.initCause(e);
                        throw f;
                    }
                    throw e;
                }
            });
        } finally {
            writer.dispose();
        }
    }
}
