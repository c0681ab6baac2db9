package org.jpac.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.io.AtomicFiles;

/**
 * The Middlebury / MPI-Sintel {@code .flo} optical-flow format: the float
 * 202021.25 (the bytes "PIEH"), int32 width, int32 height, then width * height
 * (u, v) float pairs, row by row, all little-endian.
 *
 * <p>Reading is defensive: wrong magic, a width or height outside
 * 1..{@link #MAX_SIDE} or more than {@link #MAX_PIXELS} pixels, a file size that is
 * not exactly 12 + 8 * width * height bytes, and non-finite values or the
 * "unknown flow" marker (|value| >= 1e9) are {@link IOException}s naming the file.
 */
public final class FloFile {

    /** The float at the start of every {@code .flo} file (the bytes "PIEH"). */
    public static final float MAGIC = 202021.25f;
    /** The largest width or height accepted. */
    public static final int MAX_SIDE = 16384;
    /** The most pixels accepted. */
    public static final long MAX_PIXELS = 16L << 20;

    /**
     * A flow field, planar [2, height, width]: u (x displacement) then v.
     *
     * @param data the values, u then v, each row-major
     * @param height the height in pixels
     * @param width the width in pixels
     */
    public record Flow(float[] data, int height, int width) {
    }

    private FloFile() {
    }

    /**
     * Reads and checks a {@code .flo} file.
     *
     * @param file the file
     * @return the flow field
     * @throws IOException if reading fails or the file breaks a rule listed above (the message names the file)
     */
    public static Flow read(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 12) {
            throw new IOException(file + ": " + size + " bytes is too short for a .flo header");
        }
        try (InputStream in = Files.newInputStream(file)) {
            ByteBuffer head = ByteBuffer.wrap(in.readNBytes(12)).order(ByteOrder.LITTLE_ENDIAN);
            float magic = head.getFloat();
            if (magic != MAGIC) {
                throw new IOException(file + ": not a .flo file (magic " + magic + ", expected " + MAGIC + ")");
            }
            int w = head.getInt();
            int h = head.getInt();
            if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS) {
                throw new IOException(file + ": flow of " + w + "x" + h + " is outside the allowed 1.." + MAX_SIDE
                        + " per side, " + MAX_PIXELS + " pixels in all");
            }
            long expect = 12 + 8L * w * h;
            if (size != expect) {
                throw new IOException(file + ": " + size + " bytes, but a " + w + "x" + h + " .flo file has "
                        + expect);
            }
            ByteBuffer body = ByteBuffer.wrap(in.readNBytes((int) (expect - 12))).order(ByteOrder.LITTLE_ENDIAN);
            if (body.remaining() != expect - 12) {
                throw new IOException(file + ": truncated while reading");
            }
            int n = w * h;
            float[] data = new float[2 * n];
            for (int i = 0; i < n; i++) {
                float u = body.getFloat();
                float v = body.getFloat();
                if (!Float.isFinite(u) || !Float.isFinite(v) || Math.abs(u) >= 1e9f || Math.abs(v) >= 1e9f) {
                    throw new IOException(file + ": pixel (" + (i % w) + ", " + (i / w) + ") has flow (" + u + ", "
                            + v + "): not finite or the 'unknown' marker, which is not supported");
                }
                data[i] = u;
                data[n + i] = v;
            }
            return new Flow(data, h, w);
        }
    }

    /** Writes a planar [2, h, w] flow field. */
    public static void write(Path file, Flow flow) throws IOException {
        int w = flow.width();
        int h = flow.height();
        int n = w * h;
        if (flow.data().length != 2 * n) {
            throw new IllegalArgumentException("flow: expected 2 x " + h + " x " + w + " values, got "
                    + flow.data().length);
        }
        ByteBuffer b = ByteBuffer.allocate(12 + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(MAGIC).putInt(w).putInt(h);
        for (int i = 0; i < n; i++) {
            b.putFloat(flow.data()[i]).putFloat(flow.data()[n + i]);
        }
        AtomicFiles.write(file, out -> out.write(b.array()));
    }
}
