package org.jpac.train;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/**
 * Reading the PNG files of a dataset, defensively: the header is checked before
 * anything is decoded (PNG signature, an IHDR chunk first, dimensions at most
 * {@link #MAX_SIDE} per side and {@link #MAX_PIXELS} in all, a known bit depth and
 * colour type, a file of at most {@link #MAX_BYTES}), so a hostile or damaged
 * file gives an {@link IOException} naming it instead of an out-of-memory error
 * or a partial image. Decoding uses {@code javax.imageio}.
 */
public final class ImageFiles {

    /** The largest width or height accepted. */
    public static final int MAX_SIDE = 16384;
    /** The most pixels accepted. */
    public static final long MAX_PIXELS = 16L << 20;
    /** The largest file accepted, in bytes. */
    public static final long MAX_BYTES = 512L << 20;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** What the header says. */
    public record PngInfo(int width, int height, int bitDepth, int colorType) {
        /** Colour channels of the decoded image (alpha not counted). */
        public int colorChannels() {
            return colorType == 2 || colorType == 6 || colorType == 3 ? 3 : 1;
        }
    }

    private ImageFiles() {
    }

    /** Checks the PNG header of {@code file} (see the class comment). */
    public static PngInfo checkPng(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes is more than the " + MAX_BYTES + " allowed");
        }
        byte[] head = new byte[33];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length) {
                throw new IOException(file + ": truncated PNG (" + size + " bytes)");
            }
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (head[i] != SIGNATURE[i]) {
                throw new IOException(file + ": not a PNG file (bad signature)");
            }
        }
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(head, 8, 25));
        int len = d.readInt();
        byte[] type = d.readNBytes(4);
        if (len != 13 || type[0] != 'I' || type[1] != 'H' || type[2] != 'D' || type[3] != 'R') {
            throw new IOException(file + ": damaged PNG (the first chunk is not a 13-byte IHDR)");
        }
        int w = d.readInt();
        int h = d.readInt();
        int depth = d.readUnsignedByte();
        int color = d.readUnsignedByte();
        if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS) {
            throw new IOException(file + ": PNG of " + Integer.toUnsignedString(w) + "x" + Integer.toUnsignedString(h)
                    + " pixels is outside the allowed 1.." + MAX_SIDE + " per side, " + MAX_PIXELS + " in all");
        }
        boolean ok = switch (color) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            default -> false;
        };
        if (!ok) {
            throw new IOException(file + ": PNG with bit depth " + depth + " and colour type " + color
                    + " is not valid");
        }
        return new PngInfo(w, h, depth, color);
    }

    private static Raster decode(Path file, PngInfo info) throws IOException {
        BufferedImage img = decodeImage(file, info);
        return info.colorType() == 3 ? img.getData() : img.getRaster();
    }

    /** ImageIO's image, its failures (which name no file) turned into an IOException naming the file. */
    private static BufferedImage decodeImage(Path file, PngInfo info) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode the PNG: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException(file + ": cannot decode the PNG");
        }
        if (img.getWidth() != info.width() || img.getHeight() != info.height()) {
            throw new IOException(file + ": decoded " + img.getWidth() + "x" + img.getHeight() + ", header says "
                    + info.width() + "x" + info.height());
        }
        return img;
    }

    /** An RGB image as planar [3, h, w] floats in [0, 1] (grey is repeated; alpha dropped). */
    public static float[] readRgb(Path file, int[] sizeOut) throws IOException {
        PngInfo info = checkPng(file);
        int w = info.width();
        int h = info.height();
        float[] out = new float[3 * h * w];
        if (info.colorType() == 3) { // palette: let ImageIO expand it
            BufferedImage img = decodeImage(file, info);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    out[y * w + x] = ((argb >> 16) & 255) / 255f;
                    out[h * w + y * w + x] = ((argb >> 8) & 255) / 255f;
                    out[2 * h * w + y * w + x] = (argb & 255) / 255f;
                }
            }
        } else {
            Raster r = decode(file, info);
            float max = (1 << info.bitDepth()) - 1;
            boolean gray = info.colorChannels() == 1;
            for (int c = 0; c < 3; c++) {
                int band = gray ? 0 : c;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        out[c * h * w + y * w + x] = r.getSample(x, y, band) / max;
                    }
                }
            }
        }
        sizeOut[0] = h;
        sizeOut[1] = w;
        return out;
    }

    /** A 16-bit single-channel PNG as its raw sample values [h, w] (0..65535). */
    public static float[] readGray16(Path file, int[] sizeOut) throws IOException {
        PngInfo info = checkPng(file);
        if (info.colorType() != 0 || info.bitDepth() != 16) {
            throw new IOException(file + ": expected a 16-bit greyscale PNG, got bit depth " + info.bitDepth()
                    + ", colour type " + info.colorType());
        }
        Raster r = decode(file, info);
        int w = info.width();
        int h = info.height();
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = r.getSample(x, y, 0);
            }
        }
        sizeOut[0] = h;
        sizeOut[1] = w;
        return out;
    }
}
