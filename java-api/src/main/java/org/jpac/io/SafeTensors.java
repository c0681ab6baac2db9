package org.jpac.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jpac.Tensor;
import org.jpac.internal.Json;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header
 * length, a JSON header, then raw little-endian tensor data.
 *
 * <p>The reader maps the file and checks everything a hostile file could get
 * wrong (header length, JSON, dtypes, shapes, offsets, overflow) before any
 * data is read, throwing {@link IOException} with the file name and the
 * problem. F64, F32, F16, BF16 and the integer types convert to float or
 * double. The writer writes F32. Not thread-safe while being closed.
 */
public final class SafeTensors implements AutoCloseable {

    /** Largest header accepted (the format's own limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final int MAX_RANK = 32;

    /** Element types, by their name in the header. */
    public enum DType {
        /** 64-bit float. */
        F64(8),
        /** 32-bit float. */
        F32(4),
        /** 16-bit IEEE half float. */
        F16(2),
        /** 16-bit bfloat16. */
        BF16(2),
        /** 64-bit signed integer. */
        I64(8),
        /** 32-bit signed integer. */
        I32(4),
        /** 16-bit signed integer. */
        I16(2),
        /** 8-bit signed integer. */
        I8(1),
        /** 8-bit unsigned integer. */
        U8(1),
        /** Boolean, one byte. */
        BOOL(1);

        private final int size;

        DType(int size) {
            this.size = size;
        }

        /**
         * The size of one element.
         *
         * @return the size in bytes
         */
        public int size() {
            return size;
        }
    }

    /**
     * One tensor's header entry; offsets are absolute positions in the file.
     *
     * @param name the tensor name
     * @param dtype the element type
     * @param shape the size of each dimension
     * @param begin the position of the first data byte
     * @param end the position after the last data byte
     */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        /**
         * The number of elements (the product of the shape).
         *
         * @return the element count
         */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /**
         * The shape (a copy).
         *
         * @return the size of each dimension
         */
        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private final String file;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries;

    private SafeTensors(String file, Arena arena, MemorySegment data, Map<String, String> metadata,
                        Map<String, Entry> entries) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.metadata = metadata;
        this.entries = entries;
    }

    /** Opens and validates a file. */
    public static SafeTensors open(Path path) throws IOException {
        WeightFiles.checkReadable(path);
        String name = path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(name, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 2 || n > MAX_HEADER_BYTES) {
                throw bad(name, "header length " + Long.toUnsignedString(n) + " is outside 2.." + MAX_HEADER_BYTES);
            }
            if (n > size - 8) {
                throw bad(name, "header length " + n + " runs past the end of the " + size + "-byte file");
            }
            String header = utf8(seg.asSlice(8, n), name);
            SafeTensors st = parse(name, arena, seg, header, 8 + n, size);
            return st;
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static IOException bad(String file, String what) {
        return new IOException(file + ": not a valid safetensors file: " + what);
    }

    private static String utf8(MemorySegment bytes, String file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes.asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
    }

    private static SafeTensors parse(String file, Arena arena, MemorySegment seg, String header, long dataStart,
                                     long size) throws IOException {
        Map<String, Object> root;
        try {
            root = Json.parseObject(header);
        } catch (IllegalArgumentException e) {
            throw bad(file, "header: " + e.getMessage());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Entry> entries = new TreeMap<>();
        long dataLen = size - dataStart;
        for (Map.Entry<String, Object> e : root.entrySet()) {
            String key = e.getKey();
            if (key.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw bad(file, "__metadata__ is not an object");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw bad(file, "__metadata__ value of '" + me.getKey() + "' is not a string");
                    }
                    meta.put((String) me.getKey(), v);
                }
                continue;
            }
            entries.put(key, entry(file, key, e.getValue(), dataStart, dataLen));
        }
        checkNoOverlap(file, entries.values(), dataStart);
        return new SafeTensors(file, arena, seg, Collections.unmodifiableMap(meta),
                Collections.unmodifiableMap(entries));
    }

    private static Entry entry(String file, String name, Object v, long dataStart, long dataLen) throws IOException {
        String where = "tensor '" + name + "': ";
        if (!(v instanceof Map<?, ?> m)) {
            throw bad(file, where + "entry is not an object");
        }
        if (!(m.get("dtype") instanceof String dt)) {
            throw bad(file, where + "missing or non-string dtype");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt);
        } catch (IllegalArgumentException ex) {
            throw bad(file, where + "unsupported dtype '" + dt + "' (supported: " + Arrays.toString(DType.values())
                    + ")");
        }
        long[] shape = longs(file, where + "shape", m.get("shape"), -1);
        if (shape.length > MAX_RANK) {
            throw bad(file, where + "rank " + shape.length + " exceeds " + MAX_RANK);
        }
        long[] off = longs(file, where + "data_offsets", m.get("data_offsets"), 2);
        long numel = 1;
        long bytes;
        try {
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bytes = Math.multiplyExact(numel, (long) dtype.size());
        } catch (ArithmeticException ex) {
            throw bad(file, where + "shape " + Arrays.toString(shape) + " overflows");
        }
        if (off[0] > off[1] || off[1] > dataLen) {
            throw bad(file, where + "data_offsets [" + off[0] + ", " + off[1] + "] outside the " + dataLen
                    + "-byte data section");
        }
        if (off[1] - off[0] != bytes) {
            throw bad(file, where + "data_offsets span " + (off[1] - off[0]) + " bytes but " + dt + " "
                    + Arrays.toString(shape) + " needs " + bytes);
        }
        return new Entry(name, dtype, shape, dataStart + off[0], dataStart + off[1]);
    }

    /**
     * The format forbids tensors sharing bytes; a tensor whose offsets reach into another's would silently read
     * that tensor's values. Empty tensors hold no bytes and overlap nothing.
     */
    private static void checkNoOverlap(String file, Collection<Entry> entries, long dataStart) throws IOException {
        List<Entry> byBegin = new ArrayList<>();
        for (Entry e : entries) {
            if (e.end() > e.begin()) {
                byBegin.add(e);
            }
        }
        byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byBegin.size(); i++) {
            Entry a = byBegin.get(i - 1);
            Entry b = byBegin.get(i);
            if (b.begin() < a.end()) {
                throw bad(file, "tensors '" + a.name() + "' and '" + b.name() + "' overlap: data_offsets ["
                        + (a.begin() - dataStart) + ", " + (a.end() - dataStart) + "] and ["
                        + (b.begin() - dataStart) + ", " + (b.end() - dataStart) + "]");
            }
        }
    }

    private static long[] longs(String file, String what, Object v, int count) throws IOException {
        if (!(v instanceof List<?> list)) {
            throw bad(file, what + " is missing or not an array");
        }
        if (count >= 0 && list.size() != count) {
            throw bad(file, what + " has " + list.size() + " entries, expected " + count);
        }
        long[] r = new long[list.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(list.get(i) instanceof Long x) || x < 0) {
                throw bad(file, what + " entry " + i + " (" + list.get(i) + ") is not a non-negative integer");
            }
            r[i] = x;
        }
        return r;
    }

    /**
     * The header's {@code __metadata__} string entries (empty when there are none).
     *
     * @return the metadata
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names, sorted. */
    public java.util.Set<String> names() {
        return new TreeSet<>(entries.keySet());
    }

    /**
     * Whether the file holds a tensor of this name.
     *
     * @param name the tensor name
     * @return true if present
     */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The entry for {@code name}; throws IOException naming the file if it is absent. */
    public Entry entry(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IOException(file + ": no tensor named '" + name + "'");
        }
        return e;
    }

    private MemorySegment live() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(file + " is closed");
        }
        return data;
    }

    /** The values of a tensor converted to double. */
    public double[] readDoubles(String name) throws IOException {
        Entry e = entry(name);
        int n = arrayLength(e);
        double[] r = new double[n];
        MemorySegment d = live();
        for (int i = 0; i < n; i++) {
            r[i] = element(d, e.dtype(), e.begin() + (long) i * e.dtype().size());
        }
        return r;
    }

    /** The values of a tensor converted to float. */
    public float[] readFloats(String name) throws IOException {
        Entry e = entry(name);
        int n = arrayLength(e);
        float[] r = new float[n];
        MemorySegment d = live();
        if (e.dtype() == DType.F32) {
            MemorySegment.copy(d, LE_F32, e.begin(), r, 0, n);
            return r;
        }
        for (int i = 0; i < n; i++) {
            r[i] = (float) element(d, e.dtype(), e.begin() + (long) i * e.dtype().size());
        }
        return r;
    }

    /** A new float32 tensor (caller closes) with the entry's shape; a scalar becomes shape [1]. */
    public Tensor readTensor(String name) throws IOException {
        Entry e = entry(name);
        long[] shape = e.shape().length == 0 ? new long[] {1} : e.shape();
        if (shape.length > Tensor.MAX_RANK) {
            throw new IOException(file + ": tensor '" + name + "' has rank " + shape.length + ", more than "
                    + Tensor.MAX_RANK);
        }
        if (e.numel() == 0) {
            throw new IOException(file + ": tensor '" + name + "' is empty " + Arrays.toString(shape));
        }
        return Tensor.of(readFloats(name), shape);
    }

    private int arrayLength(Entry e) throws IOException {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + e.name() + "' has " + n + " elements, too many for an array");
        }
        return (int) n;
    }

    private static final ValueLayout.OfDouble LE_F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static double element(MemorySegment d, DType t, long at) {
        return switch (t) {
            case F64 -> d.get(LE_F64, at);
            case F32 -> d.get(LE_F32, at);
            case F16 -> Float.float16ToFloat(d.get(LE_I16, at));
            case BF16 -> Float.intBitsToFloat((d.get(LE_I16, at) & 0xffff) << 16);
            case I64 -> d.get(LE_I64, at);
            case I32 -> d.get(LE_I32, at);
            case I16 -> d.get(LE_I16, at);
            case I8 -> d.get(ValueLayout.JAVA_BYTE, at);
            case U8, BOOL -> d.get(ValueLayout.JAVA_BYTE, at) & 0xff;
        };
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    // ---- writer -----------------------------------------------------------

    /** The header's {@code "__metadata__":{...}} entry (keys sorted), or "" for none. */
    static String metadataEntry(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return "";
        }
        StringBuilder h = new StringBuilder(Json.quote("__metadata__")).append(":{");
        boolean first = true;
        for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
            h.append(first ? "" : ",").append(Json.quote(m.getKey())).append(':').append(Json.quote(m.getValue()));
            first = false;
        }
        return h.append('}').toString();
    }

    /**
     * Writes the tensors as F32 (sorted by name) with optional string metadata,
     * by {@link AtomicFiles}: a failed write leaves whatever was at {@code path} as it was.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        String meta = SafeTensors.metadataEntry(metadata);
        StringBuilder h = new StringBuilder("{").append(meta);
        boolean first = meta.isEmpty();
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        long off = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("tensors: '__metadata__' is reserved");
            }
            Tensor t = e.getValue();
            long bytes = t.numel() * Float.BYTES;
            h.append(first ? "" : ",").append(Json.quote(e.getKey())).append(":{\"dtype\":\"F32\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                h.append(i == 0 ? "" : ",").append(shape[i]);
            }
            h.append("],\"data_offsets\":[").append(off).append(',').append(off + bytes).append("]}");
            off += bytes;
            first = false;
        }
        h.append('}');
        while ((h.toString().getBytes(StandardCharsets.UTF_8).length) % 8 != 0) {
            h.append(' '); // keeps the data 8-byte aligned, as the reference writer does
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(path, out -> writeBody(Channels.newChannel(out), hb, sorted.values()));
    }

    /** The header's length, the header, then each tensor's floats, little-endian. */
    private static void writeBody(WritableByteChannel ch, byte[] header, Iterable<Tensor> tensors)
            throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
        writeFully(ch, len);
        writeFully(ch, ByteBuffer.wrap(header));
        long chunk = 1 << 20; // floats per write
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(chunk * Float.BYTES);
            for (Tensor t : tensors) {
                MemorySegment src = t.segment();
                for (long i = 0; i < t.numel(); i += chunk) {
                    long n = Math.min(chunk, t.numel() - i);
                    MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, i * Float.BYTES, buf, LE_F32, 0, n);
                    writeFully(ch, buf.asSlice(0, n * Float.BYTES).asByteBuffer());
                }
            }
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
