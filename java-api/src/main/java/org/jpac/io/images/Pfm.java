package org.jpac.io.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jpac.io.AtomicFiles;

/**
 * Portable float maps: {@code PF} (RGB) or {@code Pf} (grey), then width and
 * height, then a scale whose sign gives the byte order (negative: little
 * endian), each followed by one whitespace character (a CRLF after the scale is
 * also taken); then exactly width x height x channels float32 samples,
 * interleaved, rows from the BOTTOM of the image up. Written little-endian with
 * scale -1.
 */
public final class Pfm {

    private static final int MAX_HEADER = 256;

    private Pfm() {
    }

    static boolean isPfm(byte[] head) {
        return head.length >= 3 && head[0] == 'P' && (head[1] == 'F' || head[1] == 'f')
                && Character.isWhitespace(head[2]);
    }

    /** What a PFM header says: channels (1 or 3), size, byte order, and where the samples start. */
    private record Header(int channels, int width, int height, ByteOrder order, long dataStart) {
        long dataBytes() {
            return (long) width * height * channels * 4;
        }
    }

    /**
     * Reads a PFM file, flipping its rows so that row 0 is the top.
     *
     * @param file the file
     * @return the image (1 or 3 channels, bit depth 0)
     * @throws ImageFormatException if the file is not a valid PFM
     * @throws IOException if reading fails
     */
    public static Image read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header hd = header(file, ch);
            int channels = hd.channels();
            ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, hd.dataStart(), hd.dataBytes()).order(hd.order());
            int iw = hd.width();
            int ih = hd.height();
            int plane = iw * ih;
            float[] out = new float[channels * plane];
            for (int row = 0; row < ih; row++) {
                int y = ih - 1 - row; // bottom row first
                for (int x = 0; x < iw; x++) {
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + y * iw + x] = data.getFloat(((row * iw + x) * channels + c) * 4);
                    }
                }
            }
            return Image.of(out, channels, ih, iw).withSource(ImageFormat.PFM, 0, false, null);
        }
    }

    /** The image size of a PFM file, from its header only. */
    static Images.Size size(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header hd = header(file, ch);
            return new Images.Size(hd.height(), hd.width());
        }
    }

    /** Parses and checks the header of an open file, and that the file holds the samples it declares. */
    private static Header header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer hb = ByteBuffer.allocate((int) Math.min(MAX_HEADER, size));
        while (hb.hasRemaining() && ch.read(hb) >= 0) {
            // fill
        }
        byte[] head = hb.array();
        if (!isPfm(head)) {
            throw new ImageFormatException(file, size == 0 ? "empty file, not a PFM" : "not a PFM file (no PF/Pf "
                    + "header)");
        }
        int channels = head[1] == 'F' ? 3 : 1;
        int[] pos = {3};
        String ws = token(file, head, pos);
        String hs = token(file, head, pos);
        String ss = token(file, head, pos);
        long w;
        long h;
        double scale;
        try {
            w = Long.parseLong(ws);
            h = Long.parseLong(hs);
            scale = Double.parseDouble(ss);
        } catch (NumberFormatException e) {
            throw new ImageFormatException(file, "bad PFM header (size '" + ws + " " + hs + "', scale '" + ss
                    + "')");
        }
        if (w < 1 || h < 1) {
            throw new ImageFormatException(file, "bad PFM size " + w + "x" + h);
        }
        if (scale == 0 || !Double.isFinite(scale)) {
            throw new ImageFormatException(file, "bad PFM scale " + ss + " (must be a non-zero number)");
        }
        Images.checkSize(file, w, h, channels);
        ByteOrder order = scale < 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        Header hd = new Header(channels, (int) w, (int) h, order, pos[0]);
        // A CRLF after the scale (a header written on Windows) ends the header at its LF: reading the LF as
        // data would shift every sample by a byte. The exact data length decides, as a lone CR followed by
        // data whose first byte is 0x0a is also a valid file.
        if (head[pos[0] - 1] == '\r' && pos[0] < head.length && head[pos[0]] == '\n'
                && size - pos[0] - 1 == hd.dataBytes()) {
            hd = new Header(channels, (int) w, (int) h, order, pos[0] + 1);
        }
        long held = size - hd.dataStart();
        if (held != hd.dataBytes()) {
            throw new ImageFormatException(file, (held < hd.dataBytes() ? "truncated PFM data: "
                    : "PFM data longer than its header declares: ") + w + "x" + h + (channels == 3 ? " RGB"
                    : " grey") + " needs " + hd.dataBytes() + " bytes after the header, the file holds " + held);
        }
        return hd;
    }

    /** The next header token; exactly one whitespace byte ends it. */
    private static String token(Path file, byte[] head, int[] pos) throws IOException {
        int p = pos[0];
        while (p < head.length && Character.isWhitespace(head[p])) {
            p++;
        }
        int s = p;
        while (p < head.length && !Character.isWhitespace(head[p])) {
            p++;
        }
        if (p >= head.length || s == p) {
            throw new ImageFormatException(file, "truncated PFM header");
        }
        pos[0] = p + 1;
        return new String(head, s, p - s, StandardCharsets.US_ASCII);
    }

    /** Writes a 1-channel (grey) or 3-channel (RGB) image. */
    public static void write(Path file, Image img) throws IOException {
        int c = img.channels();
        if (c != 1 && c != 3) {
            throw new ImageFormatException(file, "a PFM holds 1 (grey) or 3 (RGB) channels; this image has " + c
                    + ": write it as .npy");
        }
        int w = img.width();
        int h = img.height();
        int plane = w * h;
        float[] d = img.data();
        String header = (c == 3 ? "PF" : "Pf") + "\n" + w + " " + h + "\n-1.0\n";
        AtomicFiles.write(file, out -> {
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = ByteBuffer.allocate(w * c * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int y = h - 1; y >= 0; y--) {
                b.clear();
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < c; k++) {
                        b.putFloat(d[k * plane + y * w + x]);
                    }
                }
                out.write(b.array(), 0, b.position());
            }
        });
    }
}
