package org.jpac.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.jpac.io.SafeTensors.DType;
import org.jpac.io.TorchPickle.Limits;
import org.jpac.io.TorchPickle.StorageRef;
import org.jpac.io.TorchPickle.TensorRef;

/**
 * Loads PyTorch state dicts written by {@code torch.save(model.state_dict(), f)},
 * in the current zip format ({@code <archive>/data.pkl} plus one
 * {@code <archive>/data/<key>} entry per storage) and in the legacy pre-1.6
 * format (magic number, protocol version and system-info pickles, the main
 * pickle, the list of storage keys, then each storage as an 8-byte
 * little-endian element count and its raw elements).
 *
 * <p>Nothing in the file is executed: pickles go through {@link TorchPickle},
 * which refuses every global a state dict does not need. Tensors are rebuilt
 * from their storage honouring storage offset, size and stride (the result is
 * contiguous) and converted to float from F32, F64, F16, BF16 and the integer
 * and bool types. Every malformed file ends in {@link IOException} naming the
 * file; no length field from the file is trusted before it is checked against
 * the file's real size.
 */
public final class TorchLoader {

    private TorchLoader() {
    }

    /** Magic number of the legacy format (the first pickle in the file). */
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** Legacy protocol version (the second pickle). */
    static final long LEGACY_PROTOCOL = 1001;
    /** Largest data.pkl read from a zip archive. */
    static final int MAX_PICKLE_BYTES = 256 << 20;
    /**
     * Views whose element count exceeds their storage's (overlapping strides,
     * e.g. an expanded tensor) are limited to this many elements in all, per
     * file, so that a tiny storage cannot ask for an enormous tensor, nor for
     * many large ones.
     */
    static final long MAX_EXPANDED_NUMEL = 1L << 24;
    /**
     * Tensors that view a storage an earlier tensor of the file already viewed
     * (tied weights) are copied again; such copies may add up to this many
     * elements, or to the file's own storage elements if more, so that a tiny
     * file listing one storage thousands of times cannot make the reader
     * allocate thousands of times its size.
     */
    static final long MIN_SHARED_NUMEL = 1L << 24;

    /** Loads a zip-format or legacy-format {@code .pth}/{@code .pt} state dict. */
    public static StateDict load(Path path) throws IOException {
        return load(path, Limits.DEFAULT);
    }

    /** As {@link #load(Path)} with explicit unpickling limits. */
    public static StateDict load(Path path, Limits limits) throws IOException {
        byte[] head = WeightFiles.head(path, 512);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return loadZip(path, limits);
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new IOException(path + ": a tar-format torch file (PyTorch < 0.4) is not supported; re-save it "
                    + "with a newer PyTorch");
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
            return loadLegacy(path, limits);
        }
        throw new IOException(path + ": not a PyTorch file (neither a zip archive nor a legacy pickle)");
    }

    // ---- zip format ---------------------------------------------------------

    static StateDict loadZip(Path path, Limits limits) throws IOException {
        String file = path.toString();
        ZipFile opened;
        try {
            opened = new ZipFile(path.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a valid zip archive: " + e, e);
        }
        try (ZipFile zip = opened) {
            long fileSize = java.nio.file.Files.size(path);
            ZipEntry pkl = null;
            int count = 0;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (++count > 10_000_000) {
                    throw new IOException(file + ": too many zip entries");
                }
                String n = e.getName();
                int slash = n.indexOf('/');
                if (slash > 0 && n.indexOf('/', slash + 1) < 0 && n.substring(slash + 1).equals("data.pkl")) {
                    if (pkl != null) {
                        throw new IOException(file + ": the archive has two data.pkl entries ('" + pkl.getName()
                                + "' and '" + TorchPickle.printable(n) + "')");
                    }
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new IOException(file + ": a zip archive without <archive>/data.pkl is not a torch.save file");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String s = new String(read(zip, bo, 16, file, fileSize, false), StandardCharsets.US_ASCII).strip();
                if (s.equals("big")) {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (!s.equals("little")) {
                    throw new IOException(file + ": byteorder entry says '" + TorchPickle.printable(s)
                            + "', expected little or big");
                }
            }
            byte[] pickle = read(zip, pkl, MAX_PICKLE_BYTES, file, fileSize, false);
            Object root = TorchPickle.load(MemorySegment.ofArray(pickle), 0, limits, file + ": data.pkl").value();
            Map<String, TensorRef> refs = tensors(root, file);
            Map<String, StorageRef> storages = storages(refs, file);
            Map<String, MemorySegment> data = new HashMap<>();
            for (StorageRef s : storages.values()) {
                long bytes = byteSize(s, file);
                ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
                if (e == null) {
                    throw new IOException(file + ": storage '" + s.key() + "' has no entry " + prefix + "data/"
                            + s.key());
                }
                data.put(s.key(), MemorySegment.ofArray(read(zip, e, bytes, file, fileSize, true)));
            }
            return build(refs, data, order, file);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": not a valid zip archive: " + e, e);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed zip archive (" + e + ")", e);
        }
    }

    /**
     * Reads an entry: at most {@code max} bytes, or, when {@code exact}, exactly
     * {@code max} bytes. Sizes in the archive are checked before allocating.
     */
    private static byte[] read(ZipFile zip, ZipEntry e, long max, String file, long fileSize, boolean exact)
            throws IOException {
        String name = TorchPickle.printable(e.getName());
        long size = e.getSize();
        long csize = e.getCompressedSize();
        if (exact ? size != max : size > max) {
            throw new IOException(file + ": entry " + name + " holds " + size + " bytes, "
                    + (exact ? "expected " : "more than the limit of ") + max);
        }
        if (max > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": entry " + name + " has " + max + " bytes, more than one array can hold");
        }
        if (csize < 0 || csize > fileSize) {
            throw new IOException(file + ": entry " + name + " claims " + csize + " compressed bytes in a "
                    + fileSize + "-byte file");
        }
        if (e.getMethod() == ZipEntry.STORED ? size >= 0 && csize != size : size > 1100 * csize + 1024) {
            throw new IOException(file + ": entry " + name + " claims " + size + " bytes from " + csize
                    + " compressed bytes");
        }
        int cap = (int) (size >= 0 ? size : max);
        byte[] b;
        boolean longer;
        try (InputStream in = zip.getInputStream(e)) {
            b = in.readNBytes(cap);
            longer = in.read() >= 0;
        } catch (IOException ex) {
            throw new IOException(file + ": entry " + name + " cannot be read (corrupted archive): " + ex, ex);
        }
        if (longer) {
            throw new IOException(file + ": entry " + name + " is longer than its declared " + cap + " bytes");
        }
        if (exact && b.length != max) {
            throw new IOException(file + ": entry " + name + " has " + b.length + " bytes, expected " + max);
        }
        checkCrc(e, b, file, name);
        return b;
    }

    /** ZipFile checks no CRC (torch.save writes STORED entries), so a flipped bit would load as a wrong weight. */
    private static void checkCrc(ZipEntry e, byte[] b, String file, String name) throws IOException {
        if (e.getCrc() < 0) {
            return; // not recorded
        }
        CRC32 crc = new CRC32();
        crc.update(b);
        if (crc.getValue() != e.getCrc()) {
            throw new IOException(file + ": entry " + name + " is corrupted: its bytes have CRC-32 "
                    + String.format("%08x", crc.getValue()) + ", the archive records " + String.format("%08x",
                    e.getCrc()));
        }
    }

    // ---- legacy format ------------------------------------------------------

    static StateDict loadLegacy(Path path, Limits limits) throws IOException {
        String file = path.toString();
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            TorchPickle.Result magic = TorchPickle.load(seg, 0, limits, file + ": magic number");
            if (!(magic.value() instanceof BigInteger b) || !b.equals(LEGACY_MAGIC)) {
                throw new IOException(file + ": not a legacy torch file (the first pickle is not the magic number)");
            }
            TorchPickle.Result proto = TorchPickle.load(seg, magic.end(), limits, file + ": protocol version");
            if (!(proto.value() instanceof Long p) || p != LEGACY_PROTOCOL) {
                throw new IOException(file + ": unsupported legacy protocol version "
                        + TorchPickle.typeName(proto.value()) + (proto.value() instanceof Long p2 ? " " + p2 : "")
                        + ", expected " + LEGACY_PROTOCOL);
            }
            TorchPickle.Result info = TorchPickle.load(seg, proto.end(), limits, file + ": sys_info");
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (info.value() instanceof Map<?, ?> m) {
                Object le = m.get("little_endian");
                if (le == Boolean.FALSE) {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (le != null && le != Boolean.TRUE) {
                    throw new IOException(file + ": sys_info little_endian is a " + TorchPickle.typeName(le));
                }
            } else {
                throw new IOException(file + ": sys_info is a " + TorchPickle.typeName(info.value())
                        + ", expected a dict");
            }
            TorchPickle.Result main = TorchPickle.load(seg, info.end(), limits, file + ": state dict pickle");
            Map<String, TensorRef> refs = tensors(main.value(), file);
            Map<String, StorageRef> storages = storages(refs, file);
            TorchPickle.Result keysResult = TorchPickle.load(seg, main.end(), limits, file + ": storage keys");
            if (!(keysResult.value() instanceof List<?> keys)) {
                throw new IOException(file + ": the storage key list is a "
                        + TorchPickle.typeName(keysResult.value()) + ", expected a list");
            }
            ValueLayout.OfLong count = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
            Map<String, MemorySegment> data = new HashMap<>();
            long pos = keysResult.end();
            for (Object k : keys) {
                if (!(k instanceof String key)) {
                    throw new IOException(file + ": storage key is a " + TorchPickle.typeName(k) + ", expected a str");
                }
                StorageRef s = storages.get(key);
                if (s == null) {
                    throw new IOException(file + ": storage '" + TorchPickle.printable(key)
                            + "' is listed but no tensor uses it, so its element type is unknown");
                }
                if (data.containsKey(key)) {
                    throw new IOException(file + ": storage '" + key + "' is listed twice");
                }
                if (size - pos < 8) {
                    throw new IOException(file + ": truncated: storage '" + key + "' needs an 8-byte element count "
                            + "at byte " + pos + " but only " + (size - pos) + " bytes remain");
                }
                long n = seg.get(count, pos);
                pos += 8;
                if (n != s.numel()) {
                    throw new IOException(file + ": storage '" + key + "' has " + n + " elements in the data but "
                            + s.numel() + " in the pickle");
                }
                long bytes = byteSize(s, file);
                if (bytes > size - pos) {
                    throw new IOException(file + ": truncated: storage '" + key + "' needs " + bytes
                            + " bytes at byte " + pos + " but only " + (size - pos) + " remain");
                }
                data.put(key, seg.asSlice(pos, bytes));
                pos += bytes;
            }
            for (String key : storages.keySet()) {
                if (!data.containsKey(key)) {
                    throw new IOException(file + ": storage '" + key + "' is used by a tensor but not in the key list");
                }
            }
            return build(refs, data, order, file);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed legacy torch file (" + e + ")", e);
        }
    }

    // ---- shared ---------------------------------------------------------------

    /** The top-level dict of the main pickle, as name to tensor. */
    private static Map<String, TensorRef> tensors(Object root, String file) throws IOException {
        if (!(root instanceof Map<?, ?> m)) {
            throw new IOException(file + ": the file holds a " + TorchPickle.typeName(root)
                    + ", not a state dict (a dict of tensors)");
        }
        Map<String, TensorRef> r = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new IOException(file + ": state dict key is a " + TorchPickle.typeName(e.getKey())
                        + ", expected a str");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                String hint = e.getValue() instanceof Map<?, ?>
                        ? " (a training checkpoint? load the state dict saved inside it)" : "";
                throw new IOException(file + ": entry '" + TorchPickle.printable(k) + "' is a "
                        + TorchPickle.typeName(e.getValue()) + ", not a tensor" + hint);
            }
            r.put(k, t);
        }
        return r;
    }

    /** Distinct storages by key, checked for consistency. */
    private static Map<String, StorageRef> storages(Map<String, TensorRef> refs, String file) throws IOException {
        Map<String, StorageRef> r = new LinkedHashMap<>();
        for (TensorRef t : refs.values()) {
            StorageRef s = t.storage();
            StorageRef old = r.putIfAbsent(s.key(), s);
            if (old != null && (old.dtype() != s.dtype() || old.numel() != s.numel()
                    || old.untyped() != s.untyped())) {
                throw new IOException(file + ": storage '" + s.key() + "' is declared twice with different types "
                        + "or sizes (" + old.dtype() + "[" + old.numel() + "] and " + s.dtype() + "[" + s.numel()
                        + "])");
            }
        }
        return r;
    }

    private static long byteSize(StorageRef s, String file) throws IOException {
        try {
            return Math.multiplyExact(s.numel(), (long) s.dtype().size());
        } catch (ArithmeticException e) {
            throw new IOException(file + ": storage '" + s.key() + "' size " + s.numel() + " overflows");
        }
    }

    private static StateDict build(Map<String, TensorRef> refs, Map<String, MemorySegment> data, ByteOrder order,
                                   String file) throws IOException {
        StateDict sd = new StateDict();
        long expansionLeft = MAX_EXPANDED_NUMEL; // one budget: repeating an expanded view must not multiply it
        long storageElements = 0;
        for (MemorySegment seg : data.values()) {
            storageElements += seg.byteSize() / Float.BYTES;
        }
        long sharedLeft = Math.max(MIN_SHARED_NUMEL, storageElements); // likewise for views of a viewed storage
        java.util.Set<String> viewed = new java.util.HashSet<>();
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            TensorRef t = e.getValue();
            MemorySegment seg = data.get(t.storage().key());
            if (seg == null) {
                throw new IOException(file + ": no data for storage '" + t.storage().key() + "'");
            }
            boolean shared = !viewed.add(t.storage().key());
            try {
                if (shared) {
                    long n = Math.min(visibleElements(t), elements(t));
                    if (n > sharedLeft) {
                        throw new IllegalArgumentException("views of storages that other tensors of the file "
                                + "already view add up to more than " + Math.max(MIN_SHARED_NUMEL, storageElements)
                                + " copied elements");
                    }
                    sharedLeft -= n;
                }
                TensorData d = materialize(t, seg, order, expansionLeft);
                if (d.numel() > visibleElements(t)) {
                    expansionLeft -= d.numel();
                }
                sd.put(e.getKey(), d);
            } catch (IllegalArgumentException ex) {
                throw new IOException(file + ": tensor '" + TorchPickle.printable(e.getKey()) + "': "
                        + ex.getMessage());
            }
        }
        return sd;
    }

    /** The tensor's element count (its sizes' product; Long.MAX_VALUE when that overflows). */
    private static long elements(TensorRef t) {
        long n = 1;
        for (long d : t.size()) {
            if (d < 0 || (d != 0 && n > Long.MAX_VALUE / d)) {
                return Long.MAX_VALUE;
            }
            n *= d;
        }
        return n;
    }

    /** How many elements of the tensor's dtype its storage (or legacy storage view) holds. */
    private static long visibleElements(TensorRef t) {
        StorageRef s = t.storage();
        return s.untyped() ? s.numel() / t.dtype().size() : s.viewNumel();
    }

    /**
     * Copies a strided view of a storage into a contiguous float tensor.
     * {@code seg} holds the whole root storage; a legacy view selects a slice.
     * A view of more elements than its storage holds may have at most
     * {@code expansionLimit} elements.
     */
    static TensorData materialize(TensorRef t, MemorySegment seg, ByteOrder order, long expansionLimit) {
        StorageRef s = t.storage();
        DType dt = t.dtype();
        int es = dt.size();
        // In elements of dt: where the visible storage starts and how long it is.
        long base = s.untyped() ? 0 : s.viewOffset();
        long avail = visibleElements(t);
        long[] size = t.size();
        long[] stride = t.stride();
        long numel = 1;
        long maxIndex = t.offset();
        try {
            for (int i = 0; i < size.length; i++) {
                numel = Math.multiplyExact(numel, size[i]);
            }
            if (numel > 0) {
                for (int i = 0; i < size.length; i++) {
                    maxIndex = Math.addExact(maxIndex, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException ex) {
            throw new IllegalArgumentException("size " + Arrays.toString(size) + " / stride "
                    + Arrays.toString(stride) + " overflows");
        }
        if (numel > 0 && maxIndex >= avail) {
            throw new IllegalArgumentException("size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride)
                    + " and offset " + t.offset() + " reach element " + maxIndex + " of a " + avail
                    + "-element storage");
        }
        if (numel > avail && numel > expansionLimit) {
            throw new IllegalArgumentException("a view of " + numel + " elements over a " + avail
                    + "-element storage (overlapping strides) exceeds the limit of " + MAX_EXPANDED_NUMEL
                    + " such elements per file" + (expansionLimit < MAX_EXPANDED_NUMEL ? " (" + expansionLimit
                    + " left)" : ""));
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(numel + " elements are more than one array can hold");
        }
        if (seg.byteSize() < Math.multiplyExact(Math.addExact(base, avail), (long) es)) {
            throw new IllegalArgumentException("storage data has " + seg.byteSize() + " bytes, too few");
        }
        float[] out = new float[(int) numel];
        if (numel == 0) {
            return new TensorData(out, size);
        }
        int rank = size.length;
        long start = base + t.offset();
        if (isContiguous(size, stride) && dt == DType.F32) {
            MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), start * 4, out, 0, (int) numel);
            return new TensorData(out, size);
        }
        Reader r = reader(dt, order);
        if (rank == 0) {
            out[0] = r.get(seg, start * es);
            return new TensorData(out, size);
        }
        long inner = size[rank - 1];
        long innerStride = stride[rank - 1];
        long[] idx = new long[rank];
        int o = 0;
        long off = start; // element offset of idx with idx[rank-1] = 0
        while (true) {
            long p = off;
            for (long j = 0; j < inner; j++, p += innerStride) {
                out[o++] = r.get(seg, p * es);
            }
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                off += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                off -= stride[d] * size[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
        }
        return new TensorData(out, size);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                return false;
            }
            expect *= size[i];
        }
        return true;
    }

    @FunctionalInterface
    private interface Reader {
        float get(MemorySegment seg, long byteOffset);
    }

    private static Reader reader(DType dt, ByteOrder order) {
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
        ValueLayout.OfDouble f64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
        return switch (dt) {
            case F32 -> (s, at) -> s.get(f32, at);
            case F64 -> (s, at) -> (float) s.get(f64, at);
            case F16 -> (s, at) -> Float.float16ToFloat(s.get(i16, at));
            case BF16 -> (s, at) -> Float.intBitsToFloat((s.get(i16, at) & 0xffff) << 16);
            case I64 -> (s, at) -> (float) s.get(i64, at);
            case I32 -> (s, at) -> (float) s.get(i32, at);
            case I16 -> (s, at) -> s.get(i16, at);
            case I8 -> (s, at) -> s.get(ValueLayout.JAVA_BYTE, at);
            case U8 -> (s, at) -> s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
            case BOOL -> (s, at) -> s.get(ValueLayout.JAVA_BYTE, at) != 0 ? 1f : 0f;
        };
    }
}
