package org.jpac.io.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Hand-made PNG files for tests of what is read before the pixels are decoded. */
public final class PngFiles {

    private PngFiles() {
    }

    /**
     * A 16-bit RGB PNG whose IHDR declares {@code width x height} pixels but
     * whose pixel data is one empty deflate block: only its header is valid.
     */
    public static Path declaringSize(Path file, int width, int height) throws IOException {
        return declaringSize(file, width, height, 16);
    }

    /** As {@link #declaringSize(Path, int, int)} with RGB samples of {@code bitDepth} (8 or 16) bits. */
    public static Path declaringSize(Path file, int width, int height, int bitDepth) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Png.SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width).putInt(height).put((byte) bitDepth).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        Files.write(file, out.toByteArray());
        return file;
    }

    /** An 8-bit palette PNG of {@code indices} (row-major, {@code width} per row) over {@code rgb} colours. */
    public static byte[] palette(int width, int height, byte[] rgb, byte[] indices) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Png.SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) 3).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "PLTE", rgb);
        ByteArrayOutputStream rows = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(rows)) {
            for (int y = 0; y < height; y++) {
                z.write(0); // filter: none
                z.write(indices, y * width, width);
            }
        }
        chunk(out, "IDAT", rows.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Where the data of the first chunk of this type starts in a PNG file's bytes. */
    public static int chunkData(byte[] png, String type) {
        for (int at = Png.SIGNATURE.length; at + 8 <= png.length; ) {
            int len = ByteBuffer.wrap(png, at, 4).getInt();
            if (new String(png, at + 4, 4, StandardCharsets.US_ASCII).equals(type)) {
                return at + 8;
            }
            at += 12 + len;
        }
        throw new IllegalArgumentException("no " + type + " chunk");
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
