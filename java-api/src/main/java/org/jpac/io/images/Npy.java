package org.jpac.io.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpac.io.AtomicFiles;

/**
 * NumPy {@code .npy} files (format versions 1, 2 and 3): C-order arrays of
 * float32, float64, uint8 or uint16, either byte order. Writes float32,
 * little-endian, version 1.
 *
 * <p>As images: a 2-D array is {@code H x W}; a 3-D array {@code H x W x C} or
 * {@code C x H x W} as {@link NpyLayout} says; a 4-D array {@code 1 x C x H x W}.
 */
public final class Npy {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
    /** A key of the header dict: a quoted word followed by a colon (no value of the three keys looks like one). */
    private static final Pattern KEY = Pattern.compile("['\"](\\w+)['\"]\\s*:");

    private Npy() {
    }

    /**
     * An array read from a {@code .npy} file: its shape, its values as float,
     * and the bits of its integer type (8, 16) or 0 for float data.
     *
     * @param shape the size of each dimension
     * @param data the values in row-major order, as float
     * @param integerBits the bits of the integer type (8, 16), or 0 for float data
     */
    public record Array(long[] shape, float[] data, int integerBits) {
        /**
         * The shape (a copy).
         *
         * @return the size of each dimension
         */
        public long[] shape() {
            return shape.clone();
        }
    }

    static boolean isNpy(byte[] head) {
        return head.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC);
    }

    /** What a {@code .npy} header says: the array's shape and type, and where its data starts. */
    private record Header(long[] shape, Dtype dtype, long dataStart, long numel) {
        long dataBytes() {
            return numel * dtype.size;
        }
    }

    /** Reads any supported array. */
    public static Array readArray(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header hd = header(file, ch);
            Dtype dt = hd.dtype();
            long n = hd.numel();
            long start = hd.dataStart();
            long bytes = hd.dataBytes();
            ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, start, bytes).order(dt.order);
            float[] out = new float[(int) n];
            switch (dt.kind) {
                case 'f' -> {
                    if (dt.size == 4) {
                        data.asFloatBuffer().get(out);
                    } else {
                        for (int i = 0; i < out.length; i++) {
                            out[i] = (float) data.getDouble(i * 8);
                        }
                    }
                }
                case 'u' -> {
                    if (dt.size == 1) {
                        for (int i = 0; i < out.length; i++) {
                            out[i] = data.get(i) & 0xff;
                        }
                    } else {
                        for (int i = 0; i < out.length; i++) {
                            out[i] = data.getShort(i * 2) & 0xffff;
                        }
                    }
                }
                default -> throw new AssertionError(dt.kind);
            }
            return new Array(hd.shape(), out, dt.kind == 'u' ? dt.size * 8 : 0);
        }
    }

    /** The shape of the array in {@code file}, from its header only (the data is not read). */
    public static long[] shape(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch).shape();
        }
    }

    /** Parses and checks the header (magic, version, dict, size against the file's) of an open file. */
    private static Header header(Path file, FileChannel ch) throws IOException {
        try {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            while (pre.hasRemaining() && ch.read(pre) >= 0) {
                // fill
            }
            pre.flip();
            byte[] head = new byte[pre.remaining()];
            pre.get(head);
            if (!isNpy(head)) {
                throw new ImageFormatException(file, size == 0 ? "empty file, not a .npy array"
                        : "not a .npy file (no \\x93NUMPY magic)");
            }
            if (head.length < 10) {
                throw new ImageFormatException(file, "truncated .npy header");
            }
            int major = head[6] & 0xff;
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = ByteBuffer.wrap(head, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                if (head.length < 12) {
                    throw new ImageFormatException(file, "truncated .npy header");
                }
                headerLen = ByteBuffer.wrap(head, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                prefix = 12;
            } else {
                throw new ImageFormatException(file, "unsupported .npy format version " + major);
            }
            if (headerLen > MAX_HEADER || prefix + headerLen > size) {
                throw new ImageFormatException(file, "bad .npy header length " + headerLen + " (file has " + size
                        + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.position(prefix);
            while (hb.hasRemaining() && ch.read(hb) >= 0) {
                // fill
            }
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            rejectDuplicateKeys(file, header);
            Dtype dt = dtype(file, header);
            if (fortranOrder(file, header)) {
                throw new ImageFormatException(file, "Fortran-order arrays are not supported (save a C-order array, "
                        + "e.g. np.save(f, np.ascontiguousarray(a)))");
            }
            long[] shape = shape(file, header);
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            if (n == 0) {
                throw new ImageFormatException(file, "empty array of shape " + Arrays.toString(shape));
            }
            if (n > Images.MAX_SAMPLES) {
                throw new ImageFormatException(file, "array of shape " + Arrays.toString(shape) + " is too large ("
                        + n + " values, at most " + Images.MAX_SAMPLES + ")");
            }
            long start = prefix + headerLen;
            long bytes = n * dt.size;
            if (size - start != bytes) {
                throw new ImageFormatException(file, (size - start < bytes ? "truncated .npy data: " : "unexpected "
                        + "trailing bytes: ") + "shape " + Arrays.toString(shape) + " of " + dt.name + " needs " + bytes
                        + " bytes, the file holds " + (size - start));
            }
            return new Header(shape, dt, start, n);
        } catch (ArithmeticException e) {
            throw new ImageFormatException(file, ".npy shape is too large");
        }
    }

    /**
     * Refuses a header dict that gives a key twice: numpy's parser keeps the
     * last, a first-match reader the first, so the two would read different arrays.
     */
    private static void rejectDuplicateKeys(Path file, String header) throws IOException {
        Matcher m = KEY.matcher(header);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            if (!seen.add(m.group(1))) {
                throw new ImageFormatException(file, "the .npy header gives '" + m.group(1) + "' more than once");
            }
        }
    }

    /** Reads an array as an image (see the class comment for the shapes). */
    public static Image read(Path file, NpyLayout layout) throws IOException {
        return toImage(file, readArray(file), layout);
    }

    /** An array as an image, with {@code layout} for 3-D arrays. */
    static Image toImage(Path file, Array a, NpyLayout layout) throws IOException {
        Planes p = planes(file, a.shape, layout);
        float[] d = p.layout() == NpyLayout.HWC ? hwcToChw(a.data, p.channels(), p.height(), p.width()) : a.data;
        return Image.ofSamples(d, p.channels(), p.height(), p.width(), a.integerBits)
                .withSource(ImageFormat.NPY, a.integerBits, false, p.layout());
    }

    /** The image size of the array in {@code file}, from its header only. */
    static Images.Size size(Path file, NpyLayout layout) throws IOException {
        Planes p = planes(file, shape(file), layout);
        return new Images.Size(p.height(), p.width());
    }

    /** How an array of shape {@code s} is read as an image: channels, size and the layout used. */
    private record Planes(int channels, int height, int width, NpyLayout layout) {
    }

    private static Planes planes(Path file, long[] s, NpyLayout layout) throws IOException {
        if (s.length == 2) {
            return new Planes(1, (int) s[0], (int) s[1], NpyLayout.CHW);
        }
        if (s.length == 3) {
            NpyLayout used = layout == NpyLayout.AUTO ? (s[2] <= 4 ? NpyLayout.HWC : NpyLayout.CHW) : layout;
            return used == NpyLayout.HWC ? new Planes((int) s[2], (int) s[0], (int) s[1], used)
                    : new Planes((int) s[0], (int) s[1], (int) s[2], used);
        }
        if (s.length == 4 && s[0] == 1) {
            return new Planes((int) s[1], (int) s[2], (int) s[3], NpyLayout.CHW);
        }
        throw new ImageFormatException(file, "expected an array of shape (H, W), (H, W, C), (C, H, W) or "
                + "(1, C, H, W), got " + shapeString(s));
    }

    static float[] hwcToChw(float[] d, int c, int h, int w) {
        float[] out = new float[d.length];
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            for (int k = 0; k < c; k++) {
                out[k * plane + p] = d[p * c + k];
            }
        }
        return out;
    }

    static float[] chwToHwc(float[] d, int c, int h, int w) {
        float[] out = new float[d.length];
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            for (int k = 0; k < c; k++) {
                out[p * c + k] = d[k * plane + p];
            }
        }
        return out;
    }

    /**
     * Writes an image as float32: {@code (H, W)} for one channel, else
     * {@code (H, W, C)} for {@link NpyLayout#HWC} or {@code (C, H, W)} for
     * {@link NpyLayout#CHW} ({@code AUTO}: HWC up to 4 channels, else CHW).
     */
    public static void write(Path file, Image img, NpyLayout layout) throws IOException {
        int c = img.channels();
        int h = img.height();
        int w = img.width();
        NpyLayout l = layout == NpyLayout.AUTO ? (c <= 4 ? NpyLayout.HWC : NpyLayout.CHW) : layout;
        if (c == 1) {
            writeArray(file, img.data(), h, w);
        } else if (l == NpyLayout.HWC) {
            writeArray(file, chwToHwc(img.data(), c, h, w), h, w, c);
        } else {
            writeArray(file, img.data(), c, h, w);
        }
    }

    /** Writes a C-order float32 array of the given shape. */
    public static void writeArray(Path file, float[] data, long... shape) throws IOException {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("data: length " + data.length + " does not match shape "
                    + shapeString(shape));
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }";
        int total = MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        AtomicFiles.write(file, out -> {
            out.write(pre.array());
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : data) {
                if (!b.hasRemaining()) {
                    out.write(b.array(), 0, b.position());
                    b.clear();
                }
                b.putFloat(v);
            }
            out.write(b.array(), 0, b.position());
        });
    }

    static String shapeString(long[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : ", ").append(s[i]);
        }
        return b.append(s.length == 1 ? ",)" : ")").toString();
    }

    private record Dtype(String name, char kind, int size, ByteOrder order) {
    }

    private static Dtype dtype(Path file, String header) throws IOException {
        Matcher m = DESCR.matcher(header);
        if (!m.find()) {
            throw new ImageFormatException(file, "the .npy header has no 'descr'");
        }
        String d = m.group(1);
        if (d.length() >= 3) {
            char e = d.charAt(0);
            char kind = d.charAt(1);
            String sz = d.substring(2);
            ByteOrder order = e == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            boolean endianOk = e == '<' || e == '>' || e == '|' || e == '=';
            if (endianOk && kind == 'f' && (sz.equals("4") || sz.equals("8"))) {
                return new Dtype(sz.equals("4") ? "float32" : "float64", 'f', Integer.parseInt(sz), order);
            }
            if (endianOk && kind == 'u' && (sz.equals("1") || sz.equals("2"))) {
                return new Dtype(sz.equals("1") ? "uint8" : "uint16", 'u', Integer.parseInt(sz), order);
            }
        }
        throw new ImageFormatException(file, "unsupported .npy dtype '" + d + "' (supported: float32, float64, uint8, "
                + "uint16)");
    }

    private static boolean fortranOrder(Path file, String header) throws IOException {
        Matcher m = FORTRAN.matcher(header);
        if (!m.find()) {
            throw new ImageFormatException(file, "the .npy header has no 'fortran_order'");
        }
        return m.group(1).equals("True");
    }

    private static long[] shape(Path file, String header) throws IOException {
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new ImageFormatException(file, "the .npy header has no 'shape'");
        }
        List<Long> dims = new ArrayList<>();
        String[] parts = m.group(1).split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String t = parts[i].trim();
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1);
            }
            // a Python tuple: digits only (no sign), empty only after a last comma, as in (3,), or in ()
            if (t.isEmpty() && i == parts.length - 1) {
                continue;
            }
            try {
                if (!t.matches("[0-9]+")) {
                    throw new NumberFormatException();
                }
                dims.add(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw new ImageFormatException(file, "bad .npy shape (" + m.group(1).trim() + "): expected "
                        + "non-negative integers separated by commas");
            }
        }
        if (dims.isEmpty()) {
            throw new ImageFormatException(file, "a 0-dimensional .npy array is not an image");
        }
        if (dims.size() > 8) {
            throw new ImageFormatException(file, ".npy array has " + dims.size() + " dimensions");
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
