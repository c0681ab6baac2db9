package org.jpac.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.jpac.io.SafeTensors.DType;

/**
 * A restricted unpickler for the pickles {@code torch.save} writes (protocols
 * 2-5, including the older opcodes they may contain; only the protocol-0 text
 * string opcodes STRING/UNICODE, which no binary protocol emits, are
 * rejected). It executes nothing: objects are built from a fixed set of plain value
 * types, and the only globals it accepts are the few that state dicts use
 * ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and
 * its relatives, the {@code torch.*Storage} types, {@code torch.Size}, the
 * {@code torch} dtypes). Any other global is refused with
 * {@link UnsafePickleException} naming it, before anything could be called.
 *
 * <p>Values: {@code None} is {@link #NONE}; bool {@link Boolean}; int
 * {@link Long} (or {@link BigInteger} when it does not fit); float
 * {@link Double}; str {@link String}; bytes {@link Bytes}; tuple {@link Tuple};
 * list {@link ArrayList}; dict (and OrderedDict) {@link LinkedHashMap}; set
 * {@link PySet}; a storage persistent id {@link StorageRef}; a rebuilt tensor
 * {@link TensorRef} (a view of a storage whose data is read by
 * {@link TorchLoader}).
 *
 * <p>Hostile input: every length field is checked against the bytes that
 * remain before anything is allocated; the stack, the memo, the mark depth
 * and the number of objects created are bounded ({@link Limits}); the machine
 * is iterative (no recursion); dict keys must be scalars, so no hashing of
 * cyclic structures. Every malformed input ends in {@link IOException} with the
 * byte offset and opcode.
 */
public final class TorchPickle {

    private TorchPickle() {
    }

    /** Python's None. */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /**
     * Bounds on the resources one pickle may use.
     *
     * @param maxStack the most entries on the unpickler's stack
     * @param maxMemo the most memo slots
     * @param maxObjects the most objects created
     * @param maxMarkDepth the most nested marks
     * @param maxStringBytes the longest string or bytes value, in bytes
     */
    public record Limits(int maxStack, int maxMemo, long maxObjects, int maxMarkDepth, int maxStringBytes) {
        /**
         * Defaults: 4M stack entries, 4M memo slots, 4M created objects (a state
         * dict needs about a dozen per tensor), 64K nested marks, 256 MiB strings.
         */
        public static final Limits DEFAULT = new Limits(1 << 22, 1 << 22, 1L << 22, 1 << 16, 256 << 20);
    }

    /** Thrown when a pickle references a global (class or function) that a state dict never needs. */
    public static final class UnsafePickleException extends IOException {
        private static final long serialVersionUID = 1L;
        /** The refused global as {@code module.name} (serial field). */
        private final String global;

        /**
         * A refusal of a global.
         *
         * @param global the refused global as {@code module.name}
         * @param message the message
         */
        public UnsafePickleException(String global, String message) {
            super(message);
            this.global = global;
        }

        /** The refused global as {@code module.name}. */
        public String global() {
            return global;
        }
    }

    /**
     * A Python tuple (unmodifiable).
     *
     * @param items the items in order
     */
    public record Tuple(List<Object> items) {
        /** Wraps the items in an unmodifiable view. */
        public Tuple {
            items = Collections.unmodifiableList(items);
        }

        /**
         * The number of items.
         *
         * @return the tuple's length
         */
        public int size() {
            return items.size();
        }

        /**
         * The item at a position.
         *
         * @param i the position
         * @return the item
         * @throws IndexOutOfBoundsException if {@code i} is out of range
         */
        public Object get(int i) {
            return items.get(i);
        }

        @Override
        public String toString() {
            return "tuple(" + items.size() + ")";
        }
    }

    /**
     * A Python bytes or bytearray value.
     *
     * @param data the bytes (not copied)
     */
    public record Bytes(byte[] data) {
        @Override
        public String toString() {
            return "bytes(" + data.length + ")";
        }
    }

    /**
     * A Python set or frozenset (items in pickle order; not deduplicated).
     *
     * @param items the items in pickle order
     */
    public record PySet(List<Object> items) {
        @Override
        public String toString() {
            return "set(" + items.size() + ")";
        }
    }

    /** What an accepted global is. */
    public enum Kind {
        /** {@code collections.OrderedDict}: a state dict. */
        ORDERED_DICT,
        /** {@code torch.Size}. */
        SIZE,
        /** {@code torch._utils._rebuild_tensor}. */
        REBUILD_TENSOR,
        /** {@code torch._utils._rebuild_tensor_v2}. */
        REBUILD_TENSOR_V2,
        /** {@code torch._utils._rebuild_tensor_v3}. */
        REBUILD_TENSOR_V3,
        /** {@code torch._utils._rebuild_parameter}. */
        REBUILD_PARAMETER,
        /** {@code torch._utils._rebuild_parameter_with_state}. */
        REBUILD_PARAMETER_WITH_STATE,
        /** {@code torch._tensor._rebuild_from_type_v2}. */
        REBUILD_FROM_TYPE_V2,
        /** {@code torch.Tensor} or {@code torch.nn.Parameter} (a type argument of the rebuild functions). */
        TENSOR_TYPE,
        /** A typed storage class such as {@code torch.FloatStorage}. */
        STORAGE,
        /** {@code torch.UntypedStorage}. */
        UNTYPED_STORAGE,
        /** A dtype such as {@code torch.float32}. */
        DTYPE,
        /** {@code _codecs.encode} (how pickles of byte strings are written). */
        CODECS_ENCODE
    }

    /**
     * An accepted global; {@code dtype} is set for storages and dtypes.
     *
     * @param module the Python module
     * @param name the name within the module
     * @param kind what the global is
     * @param dtype the element type of a storage or dtype global, else null
     */
    public record Global(String module, String name, Kind kind, DType dtype) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /**
     * A storage persistent id: {@code ('storage', type, key, location, numel[, view])}.
     * {@code viewOffset}/{@code viewNumel} select a slice of the root storage
     * (legacy files); without a view they are 0 and {@code numel}.
     *
     * @param key the storage's key, which names its data in the file
     * @param dtype the element type
     * @param untyped whether the storage is untyped bytes
     * @param numel the number of elements of the root storage
     * @param location the device the storage was saved from (e.g. {@code cpu})
     * @param viewOffset the first element of the view
     * @param viewNumel the number of elements of the view
     */
    public record StorageRef(String key, DType dtype, boolean untyped, long numel, String location,
                             long viewOffset, long viewNumel) {
    }

    /**
     * A tensor rebuilt from a storage: element type {@code dtype} (the storage's,
     * unless the storage is untyped bytes), {@code offset} in elements of
     * {@code dtype}, sizes and strides in elements.
     *
     * @param storage the storage the elements come from
     * @param dtype the element type
     * @param offset the first element, in elements of {@code dtype}
     * @param size the size of each dimension
     * @param stride the stride of each dimension, in elements
     */
    public record TensorRef(StorageRef storage, DType dtype, long offset, long[] size, long[] stride) {
        @Override
        public String toString() {
            return "tensor" + Arrays.toString(size);
        }
    }

    /** A value and the offset just past its STOP opcode. */
    record Result(Object value, long end) {
    }

    /** Unpickles one pickle held in {@code pickle} (bytes after its STOP are ignored). */
    public static Object loads(byte[] pickle) throws IOException {
        return load(MemorySegment.ofArray(pickle), 0, Limits.DEFAULT, "pickle").value();
    }

    /** Unpickles one pickle with explicit limits. */
    public static Object loads(byte[] pickle, Limits limits) throws IOException {
        return load(MemorySegment.ofArray(pickle), 0, limits, "pickle").value();
    }

    /** Unpickles the pickle starting at {@code start} in {@code data}; {@code what} prefixes error messages. */
    static Result load(MemorySegment data, long start, Limits limits, String what) throws IOException {
        Machine m = new Machine(data, start, limits, what);
        try {
            return m.run();
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            // A safety net: a malformed input must never escape as anything but IOException.
            throw m.error("malformed pickle (" + e + ")");
        }
    }

    /** Python type name of a value, for error messages (never prints contents). */
    static String typeName(Object v) {
        if (v == NONE) {
            return "None";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Bytes) {
            return "bytes";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof List<?>) {
            return "list";
        }
        if (v instanceof Map<?, ?>) {
            return "dict";
        }
        if (v instanceof PySet) {
            return "set";
        }
        if (v instanceof Global g) {
            return "global " + g;
        }
        if (v instanceof StorageRef) {
            return "storage";
        }
        if (v instanceof TensorRef) {
            return "tensor";
        }
        return v == null ? "null" : v.getClass().getSimpleName();
    }

    // ---- globals ----------------------------------------------------------

    private static final Map<String, Global> GLOBALS = new LinkedHashMap<>();

    private static void allow(String module, String name, Kind kind, DType dtype) {
        GLOBALS.put(module + "\n" + name, new Global(module, name, kind, dtype));
    }

    static {
        allow("collections", "OrderedDict", Kind.ORDERED_DICT, null);
        allow("torch", "Size", Kind.SIZE, null);
        allow("torch._utils", "_rebuild_tensor", Kind.REBUILD_TENSOR, null);
        allow("torch._utils", "_rebuild_tensor_v2", Kind.REBUILD_TENSOR_V2, null);
        allow("torch._utils", "_rebuild_tensor_v3", Kind.REBUILD_TENSOR_V3, null);
        allow("torch._utils", "_rebuild_parameter", Kind.REBUILD_PARAMETER, null);
        allow("torch._utils", "_rebuild_parameter_with_state", Kind.REBUILD_PARAMETER_WITH_STATE, null);
        allow("torch._tensor", "_rebuild_from_type_v2", Kind.REBUILD_FROM_TYPE_V2, null);
        allow("torch", "Tensor", Kind.TENSOR_TYPE, null);
        allow("torch._tensor", "Tensor", Kind.TENSOR_TYPE, null);
        allow("torch.nn.parameter", "Parameter", Kind.TENSOR_TYPE, null);
        allow("_codecs", "encode", Kind.CODECS_ENCODE, null);
        Object[][] storages = {
            {"Float", DType.F32}, {"Double", DType.F64}, {"Half", DType.F16}, {"BFloat16", DType.BF16},
            {"Long", DType.I64}, {"Int", DType.I32}, {"Short", DType.I16}, {"Char", DType.I8},
            {"Byte", DType.U8}, {"Bool", DType.BOOL},
        };
        for (Object[] s : storages) {
            allow("torch", s[0] + "Storage", Kind.STORAGE, (DType) s[1]);
            allow("torch.cuda", s[0] + "Storage", Kind.STORAGE, (DType) s[1]); // old files saved from a GPU
        }
        allow("torch", "UntypedStorage", Kind.UNTYPED_STORAGE, DType.U8);
        allow("torch.storage", "UntypedStorage", Kind.UNTYPED_STORAGE, DType.U8);
        Object[][] dtypes = {
            {"float32", DType.F32}, {"float", DType.F32}, {"float64", DType.F64}, {"double", DType.F64},
            {"float16", DType.F16}, {"half", DType.F16}, {"bfloat16", DType.BF16}, {"int64", DType.I64},
            {"long", DType.I64}, {"int32", DType.I32}, {"int", DType.I32}, {"int16", DType.I16},
            {"short", DType.I16}, {"int8", DType.I8}, {"uint8", DType.U8}, {"bool", DType.BOOL},
        };
        for (Object[] d : dtypes) {
            allow("torch", (String) d[0], Kind.DTYPE, (DType) d[1]);
        }
    }

    /**
     * The accepted global {@code module.name}, or an {@link UnsafePickleException} naming it, with {@code what}
     * (the file and pickle) in front as in every other error.
     */
    static Global resolve(String module, String name, String what) throws UnsafePickleException {
        Global g = GLOBALS.get(module + "\n" + name);
        if (g == null) {
            String full = printable(module) + "." + printable(name);
            throw new UnsafePickleException(full, what + ": refusing to load: the file references global " + full
                    + ", which a state dict never needs");
        }
        return g;
    }

    /** Text safe to put in a message: control and non-ASCII characters escaped, length bounded. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (b.length() >= 200) {
            b.append("...");
        }
        return b.toString();
    }

    // ---- the machine --------------------------------------------------------

    private static final ValueLayout.OfInt LE_I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble BE_F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final Pattern FLOAT_TEXT = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern INT_TEXT = Pattern.compile("[-+]?\\d+");
    private static final int MAX_LINE = 4096;
    private static final int MAX_TENSOR_RANK = TensorData.MAX_RANK;

    private static final class Machine {
        private final MemorySegment data;
        private final long end;
        private final Limits limits;
        private final String what;
        private long pos;
        private long opStart;
        private int op = -1;

        private Object[] stack = new Object[64];
        private int sp; // number of stack entries
        private int[] marks = new int[16];
        private int nMarks;
        private Object[] memo = new Object[64];
        private long memoCount;
        private long objects;

        Machine(MemorySegment data, long start, Limits limits, String what) {
            this.data = data;
            this.pos = start;
            this.end = data.byteSize();
            this.limits = limits;
            this.what = what;
        }

        IOException error(String msg) {
            String at = op < 0 ? "at byte " + opStart : "at byte " + opStart + " (opcode " + opName(op) + ")";
            return new IOException(what + ": " + msg + " " + at);
        }

        // ---- input ----

        private int u8() throws IOException {
            if (pos >= end) {
                throw error("truncated: the data ends before the pickle's STOP opcode");
            }
            return data.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
        }

        private void need(long n) throws IOException {
            if (n > end - pos) {
                throw error("truncated: needs " + n + " more bytes but only " + (end - pos) + " remain");
            }
        }

        private int u16() throws IOException {
            need(2);
            int v = data.get(LE_I16, pos) & 0xffff;
            pos += 2;
            return v;
        }

        private int i32() throws IOException {
            need(4);
            int v = data.get(LE_I32, pos);
            pos += 4;
            return v;
        }

        private long u32() throws IOException {
            return i32() & 0xffffffffL;
        }

        private long u64() throws IOException {
            need(8);
            long v = data.get(LE_I64, pos);
            pos += 8;
            return v;
        }

        /** {@code n} bytes; n is a length field from the input, checked before allocating. */
        private byte[] bytes(long n) throws IOException {
            if (n < 0) {
                throw error("negative length " + n);
            }
            if (n > limits.maxStringBytes()) {
                throw error("length " + Long.toUnsignedString(n) + " exceeds the limit of " + limits.maxStringBytes()
                        + " bytes");
            }
            need(n);
            byte[] b = new byte[(int) n];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, b, 0, (int) n);
            pos += n;
            return b;
        }

        /** A newline-terminated line (without the newline). */
        private String line() throws IOException {
            long start = pos;
            while (true) {
                if (pos >= end) {
                    throw error("truncated: the data ends inside a text argument");
                }
                if (pos - start > MAX_LINE) {
                    throw error("text argument longer than " + MAX_LINE + " bytes");
                }
                if (data.get(ValueLayout.JAVA_BYTE, pos) == '\n') {
                    break;
                }
                pos++;
            }
            byte[] b = new byte[(int) (pos - start)];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, start, b, 0, b.length);
            pos++;
            return utf8(b);
        }

        private String utf8(byte[] b) throws IOException {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b))
                        .toString();
            } catch (CharacterCodingException e) {
                throw error("string is not valid UTF-8");
            }
        }

        // ---- stack ----

        private int fence() {
            return nMarks == 0 ? 0 : marks[nMarks - 1];
        }

        private void created() throws IOException {
            if (++objects > limits.maxObjects()) {
                throw error("the pickle creates more than " + limits.maxObjects() + " objects");
            }
        }

        private void push(Object v) throws IOException {
            if (sp >= limits.maxStack()) {
                throw error("stack exceeds " + limits.maxStack() + " entries");
            }
            if (sp == stack.length) {
                stack = Arrays.copyOf(stack, (int) Math.min((long) stack.length * 2, limits.maxStack()));
            }
            stack[sp++] = v;
        }

        /** Pushes a newly created value (counted against the object limit). */
        private void pushNew(Object v) throws IOException {
            created();
            push(v);
        }

        private Object pop() throws IOException {
            if (sp <= fence()) {
                throw error("stack underflow");
            }
            Object v = stack[--sp];
            stack[sp] = null;
            return v;
        }

        private Object top() throws IOException {
            if (sp <= fence()) {
                throw error("stack underflow");
            }
            return stack[sp - 1];
        }

        private void mark() throws IOException {
            if (nMarks >= limits.maxMarkDepth()) {
                throw error("marks nested deeper than " + limits.maxMarkDepth());
            }
            if (nMarks == marks.length) {
                marks = Arrays.copyOf(marks, Math.min(marks.length * 2, limits.maxMarkDepth()));
            }
            marks[nMarks++] = sp;
        }

        /** Pops everything above the topmost mark, and the mark. */
        private List<Object> popMark() throws IOException {
            if (nMarks == 0) {
                throw error("no MARK on the stack");
            }
            int m = marks[--nMarks];
            List<Object> items = new ArrayList<>(Arrays.asList(stack).subList(m, sp));
            Arrays.fill(stack, m, sp, null);
            sp = m;
            return items;
        }

        // ---- memo ----

        private void memoPut(long index) throws IOException {
            if (index < 0 || index >= limits.maxMemo()) {
                throw error("memo index " + index + " outside 0.." + (limits.maxMemo() - 1));
            }
            Object v = top();
            int i = (int) index;
            if (i >= memo.length) {
                long n = Math.max((long) memo.length * 2, (long) i + 1);
                memo = Arrays.copyOf(memo, (int) Math.min(n, limits.maxMemo()));
            }
            if (memo[i] == null) {
                memoCount++;
            }
            memo[i] = v;
        }

        private Object memoGet(long index) throws IOException {
            if (index < 0 || index >= memo.length || memo[(int) index] == null) {
                throw error("memo key " + index + " was never stored");
            }
            return memo[(int) index];
        }

        // ---- run ----

        Result run() throws IOException {
            while (true) {
                opStart = pos;
                op = -1;
                op = u8();
                switch (op) {
                    case '(' -> mark();
                    case '.' -> {
                        Object v = pop();
                        return new Result(v, pos);
                    }
                    case '0' -> {
                        if (nMarks > 0 && marks[nMarks - 1] == sp) {
                            nMarks--;
                        } else {
                            pop();
                        }
                    }
                    case '1' -> popMark();
                    case '2' -> push(top());
                    case '\u0080' -> {
                        int v = u8();
                        if (v > 5) {
                            throw error("unsupported pickle protocol " + v + " (supported: 0-5)");
                        }
                    }
                    case '\u0095' -> {
                        long n = u64();
                        if (n < 0 || n > end - pos) {
                            throw error("frame of " + Long.toUnsignedString(n)
                                    + " bytes runs past the end of the data (" + (end - pos) + " bytes remain)");
                        }
                    }
                    // ---- scalars ----
                    case 'N' -> push(NONE);
                    case '\u0088' -> push(Boolean.TRUE);
                    case '\u0089' -> push(Boolean.FALSE);
                    case 'K' -> pushNew((long) u8());
                    case 'M' -> pushNew((long) u16());
                    case 'J' -> pushNew((long) i32());
                    case '\u008a' -> pushNew(longBytes(bytes(u8())));
                    case '\u008b' -> {
                        int n = i32();
                        if (n < 0) {
                            throw error("negative LONG4 length " + n);
                        }
                        pushNew(longBytes(bytes(n)));
                    }
                    case 'I' -> {
                        String s = line();
                        if (s.equals("00")) {
                            push(Boolean.FALSE);
                        } else if (s.equals("01")) {
                            push(Boolean.TRUE);
                        } else {
                            pushNew(parseInt(s));
                        }
                    }
                    case 'L' -> {
                        String s = line();
                        pushNew(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                    }
                    case 'G' -> {
                        need(8);
                        double d = data.get(BE_F64, pos);
                        pos += 8;
                        pushNew(d);
                    }
                    case 'F' -> pushNew(parseFloat(line()));
                    // ---- strings ----
                    case 'X' -> pushNew(utf8(bytes(u32())));
                    case '\u008c' -> pushNew(utf8(bytes(u8())));
                    case '\u008d' -> pushNew(utf8(bytes(u64())));
                    case 'T' -> pushNew(new String(bytes(i32()), StandardCharsets.ISO_8859_1));
                    case 'U' -> pushNew(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                    case 'B' -> pushNew(new Bytes(bytes(u32())));
                    case 'C' -> pushNew(new Bytes(bytes(u8())));
                    case '\u008e', '\u0096' -> pushNew(new Bytes(bytes(u64())));
                    case 'S', 'V' -> throw error("protocol-0 text strings are not written by torch.save and are not "
                            + "supported");
                    case '\u0097' -> throw error("out-of-band buffers (NEXT_BUFFER) are not supported");
                    case '\u0098' -> {
                        if (!(top() instanceof Bytes)) {
                            throw error("READONLY_BUFFER on a " + typeName(top()));
                        }
                    }
                    // ---- containers ----
                    case ']' -> pushNew(new ArrayList<>());
                    case 'l' -> {
                        List<Object> items = popMark();
                        pushNew(new ArrayList<>(items));
                    }
                    case 'a' -> {
                        Object v = pop();
                        list(top()).add(v);
                        created();
                    }
                    case 'e' -> {
                        List<Object> items = popMark();
                        list(top()).addAll(items);
                        created();
                    }
                    case ')' -> pushNew(new Tuple(List.of()));
                    case 't' -> pushNew(new Tuple(popMark()));
                    case '\u0085', '\u0086', '\u0087' -> {
                        int n = op - 0x84;
                        Object[] items = new Object[n];
                        for (int i = n - 1; i >= 0; i--) {
                            items[i] = pop();
                        }
                        pushNew(new Tuple(Arrays.asList(items)));
                    }
                    case '}' -> pushNew(new LinkedHashMap<Object, Object>());
                    case 'd' -> {
                        List<Object> items = popMark();
                        Map<Object, Object> map = new LinkedHashMap<>();
                        putAll(map, items);
                        pushNew(map);
                    }
                    case 's' -> {
                        Object v = pop();
                        Object k = pop();
                        dict(top()).put(key(k), v);
                        created();
                    }
                    case 'u' -> {
                        List<Object> items = popMark();
                        putAll(dict(top()), items);
                        created();
                    }
                    case '\u008f' -> pushNew(new PySet(new ArrayList<>()));
                    case '\u0090' -> {
                        List<Object> items = popMark();
                        if (!(top() instanceof PySet s)) {
                            throw error("ADDITEMS on a " + typeName(top()) + ", expected a set");
                        }
                        s.items().addAll(items);
                        created();
                    }
                    case '\u0091' -> pushNew(new PySet(new ArrayList<>(popMark())));
                    // ---- memo ----
                    case 'g' -> push(memoGet(parseIndex(line())));
                    case 'h' -> push(memoGet(u8()));
                    case 'j' -> push(memoGet(u32()));
                    case 'p' -> memoPut(parseIndex(line()));
                    case 'q' -> memoPut(u8());
                    case 'r' -> memoPut(u32());
                    case '\u0094' -> memoPut(memoCount);
                    // ---- globals and calls ----
                    case 'c' -> {
                        String module = line();
                        String name = line();
                        push(resolve(module, name, what));
                    }
                    case '\u0093' -> {
                        Object name = pop();
                        Object module = pop();
                        if (!(module instanceof String ms) || !(name instanceof String ns)) {
                            throw error("STACK_GLOBAL needs two strings, got " + typeName(module) + " and "
                                    + typeName(name));
                        }
                        push(resolve(ms, ns, what));
                    }
                    case 'R' -> {
                        Object args = pop();
                        Object callable = pop();
                        pushNew(call(callable, args));
                    }
                    case '\u0081' -> {
                        Object args = pop();
                        Object cls = pop();
                        pushNew(newObj(cls, args));
                    }
                    case '\u0092' -> {
                        Object kwargs = pop();
                        Object args = pop();
                        Object cls = pop();
                        if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                            throw error("NEWOBJ_EX with keyword arguments is not part of a state dict");
                        }
                        pushNew(newObj(cls, args));
                    }
                    case 'b' -> {
                        Object state = pop();
                        Object target = top();
                        build(target, state);
                    }
                    case 'Q' -> pushNew(persistent(pop()));
                    case 'P' -> throw error("text persistent ids (PERSID) are not written by torch.save");
                    case 'i', 'o' -> throw error("class instances (" + opName(op) + ") are not part of a state dict");
                    case '\u0082', '\u0083', '\u0084' -> throw error("extension-registry opcodes are not supported");
                    default -> throw error("unknown opcode 0x" + Integer.toHexString(op)
                            + " (not a pickle, or a corrupted one)");
                }
            }
        }

        // ---- helpers ----

        private Object longBytes(byte[] b) {
            if (b.length == 0) {
                return 0L;
            }
            byte[] be = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                be[i] = b[b.length - 1 - i];
            }
            return normalize(new BigInteger(be));
        }

        private static Object normalize(BigInteger v) {
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }

        private Object parseInt(String s) throws IOException {
            if (!INT_TEXT.matcher(s).matches()) {
                throw error("bad integer text '" + printable(s) + "'");
            }
            return normalize(new BigInteger(s));
        }

        private long parseIndex(String s) throws IOException {
            if (!INT_TEXT.matcher(s).matches() || s.length() > 18) {
                throw error("bad memo index '" + printable(s) + "'");
            }
            return Long.parseLong(s);
        }

        private Double parseFloat(String s) throws IOException {
            String t = s.strip();
            switch (t) {
                case "inf", "+inf" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "nan", "+nan", "-nan" -> {
                    return Double.NaN;
                }
                default -> {
                }
            }
            if (!FLOAT_TEXT.matcher(t).matches()) {
                throw error("bad float text '" + printable(s) + "'");
            }
            return Double.parseDouble(t);
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object v) throws IOException {
            if (v instanceof ArrayList<?> l) {
                return (List<Object>) l;
            }
            throw error("APPEND to a " + typeName(v) + ", expected a list");
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object v) throws IOException {
            if (v instanceof LinkedHashMap<?, ?> m) {
                return (Map<Object, Object>) m;
            }
            throw error("SETITEM on a " + typeName(v) + ", expected a dict");
        }

        /** Dict keys must be scalars: they are hashed, and scalars cannot be cyclic. */
        private Object key(Object k) throws IOException {
            if (k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean
                    || k instanceof Double || k == NONE) {
                return k;
            }
            throw error("dict key of type " + typeName(k) + " is not supported (state dicts use str keys)");
        }

        private void putAll(Map<Object, Object> map, List<Object> items) throws IOException {
            if (items.size() % 2 != 0) {
                throw error("odd number of items (" + items.size() + ") for a dict");
            }
            for (int i = 0; i < items.size(); i += 2) {
                map.put(key(items.get(i)), items.get(i + 1));
            }
        }

        private Object newObj(Object cls, Object args) throws IOException {
            if (cls instanceof Global g && (g.kind() == Kind.ORDERED_DICT || g.kind() == Kind.SIZE)) {
                return call(cls, args);
            }
            throw error("NEWOBJ of " + typeName(cls) + " is not part of a state dict");
        }

        private void build(Object target, Object state) throws IOException {
            if (target instanceof LinkedHashMap<?, ?> && (state == NONE || state instanceof Map<?, ?>)) {
                return; // OrderedDict attributes such as _metadata: not needed
            }
            if (target instanceof TensorRef && (state == NONE || state instanceof Map<?, ?> m && m.isEmpty())) {
                return;
            }
            throw error("BUILD of a " + typeName(target) + " with a " + typeName(state)
                    + " state is not part of a state dict");
        }

        private Object call(Object callable, Object argsObj) throws IOException {
            if (!(callable instanceof Global g)) {
                throw error("REDUCE calls a " + typeName(callable) + ", which is not callable");
            }
            if (!(argsObj instanceof Tuple t)) {
                throw error("REDUCE arguments for " + g + " are a " + typeName(argsObj) + ", expected a tuple");
            }
            List<Object> a = t.items();
            switch (g.kind()) {
                case ORDERED_DICT -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (a.isEmpty()) {
                        return m;
                    }
                    arity(g, a, 1, 1);
                    Object src = a.get(0);
                    if (src instanceof Map<?, ?> sm) {
                        for (Map.Entry<?, ?> e : sm.entrySet()) {
                            m.put(e.getKey(), e.getValue());
                        }
                        return m;
                    }
                    List<Object> pairs = sequence(src, g + " argument");
                    for (Object p : pairs) {
                        List<Object> kv = sequence(p, g + " item");
                        if (kv.size() != 2) {
                            throw error(g + " item has " + kv.size() + " elements, expected a (key, value) pair");
                        }
                        m.put(key(kv.get(0)), kv.get(1));
                    }
                    return m;
                }
                case SIZE -> {
                    if (a.isEmpty()) {
                        return new Tuple(List.of());
                    }
                    arity(g, a, 1, 1);
                    List<Object> dims = sequence(a.get(0), "torch.Size argument");
                    for (Object d : dims) {
                        if (!(d instanceof Long)) {
                            throw error("torch.Size element is a " + typeName(d) + ", expected an int");
                        }
                    }
                    return new Tuple(new ArrayList<>(dims));
                }
                case REBUILD_TENSOR -> {
                    arity(g, a, 4, 4);
                    return tensor(g, a, null);
                }
                case REBUILD_TENSOR_V2 -> {
                    arity(g, a, 6, 7);
                    return tensor(g, a, null);
                }
                case REBUILD_TENSOR_V3 -> {
                    arity(g, a, 7, 8);
                    if (!(a.get(6) instanceof Global d) || d.kind() != Kind.DTYPE) {
                        throw error(g + " argument 7 is a " + typeName(a.get(6)) + ", expected a torch dtype");
                    }
                    return tensor(g, a, d.dtype());
                }
                case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                    arity(g, a, g.kind() == Kind.REBUILD_PARAMETER ? 3 : 4, g.kind() == Kind.REBUILD_PARAMETER ? 3 : 4);
                    if (!(a.get(0) instanceof TensorRef tr)) {
                        throw error(g + " argument 1 is a " + typeName(a.get(0)) + ", expected a tensor");
                    }
                    return tr;
                }
                case REBUILD_FROM_TYPE_V2 -> {
                    arity(g, a, 4, 4);
                    if (!(a.get(0) instanceof Global f) || !(f.kind() == Kind.REBUILD_TENSOR
                            || f.kind() == Kind.REBUILD_TENSOR_V2 || f.kind() == Kind.REBUILD_TENSOR_V3
                            || f.kind() == Kind.REBUILD_PARAMETER)) {
                        throw error(g + " argument 1 is a " + typeName(a.get(0))
                                + ", expected a tensor rebuild function");
                    }
                    if (!(a.get(1) instanceof Global c) || c.kind() != Kind.TENSOR_TYPE) {
                        throw error(g + " argument 2 is a " + typeName(a.get(1))
                                + ", expected torch.Tensor or Parameter");
                    }
                    Object state = a.get(3);
                    if (!(state == NONE || state instanceof Map<?, ?> m && m.isEmpty())) {
                        throw error(g + " with a non-empty state is not part of a state dict");
                    }
                    return call(f, a.get(2));
                }
                case CODECS_ENCODE -> {
                    arity(g, a, 2, 2);
                    if (!(a.get(0) instanceof String s) || !(a.get(1) instanceof String enc)
                            || !(enc.equals("latin1") || enc.equals("latin-1"))) {
                        throw error(g + " is only supported as (str, 'latin1')");
                    }
                    for (int i = 0; i < s.length(); i++) {
                        if (s.charAt(i) > 0xff) {
                            throw error(g + ": character outside latin-1");
                        }
                    }
                    return new Bytes(s.getBytes(StandardCharsets.ISO_8859_1));
                }
                default -> throw error("global " + g + " is not callable");
            }
        }

        private void arity(Global g, List<Object> a, int min, int max) throws IOException {
            if (a.size() < min || a.size() > max) {
                throw error(g + " takes " + (min == max ? "" + min : min + " to " + max) + " arguments, got "
                        + a.size());
            }
        }

        private List<Object> sequence(Object v, String what) throws IOException {
            if (v instanceof Tuple t) {
                return t.items();
            }
            if (v instanceof ArrayList<?>) {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) v;
                return l;
            }
            throw error(what + " is a " + typeName(v) + ", expected a tuple or list");
        }

        private long nonNegative(Object v, String what) throws IOException {
            if (!(v instanceof Long l) || l < 0) {
                throw error(what + " is " + (v instanceof Long l2 ? "" + l2 : "a " + typeName(v))
                        + ", expected a non-negative int");
            }
            return l;
        }

        private long[] dims(Object v, String what) throws IOException {
            List<Object> l = sequence(v, what);
            if (l.size() > MAX_TENSOR_RANK) {
                throw error(what + " has " + l.size() + " entries, more than " + MAX_TENSOR_RANK);
            }
            long[] r = new long[l.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = nonNegative(l.get(i), what + " entry " + i);
            }
            return r;
        }

        private TensorRef tensor(Global g, List<Object> a, DType dtype) throws IOException {
            if (!(a.get(0) instanceof StorageRef s)) {
                throw error(g + " argument 1 is a " + typeName(a.get(0)) + ", expected a storage");
            }
            long offset = nonNegative(a.get(1), g + " storage offset");
            long[] size = dims(a.get(2), g + " size");
            long[] stride = dims(a.get(3), g + " stride");
            if (size.length != stride.length) {
                throw error(g + " size has " + size.length + " dimensions but stride has " + stride.length);
            }
            DType t = dtype == null ? s.dtype() : dtype;
            if (t != s.dtype() && !s.untyped()) {
                throw error(g + " asks for " + t + " elements from a typed " + s.dtype() + " storage");
            }
            if (dtype == null && s.untyped()) {
                throw error(g + " on an untyped storage needs a dtype");
            }
            return new TensorRef(s, t, offset, size, stride);
        }

        private Object persistent(Object pid) throws IOException {
            if (!(pid instanceof Tuple t) || t.size() == 0 || !(t.get(0) instanceof String tag)) {
                throw error("persistent id is a " + typeName(pid) + ", expected a ('storage', ...) tuple");
            }
            if (tag.equals("module")) {
                throw error("the file holds a whole pickled nn.Module (source code and objects), not a state dict; "
                        + "save model.state_dict() instead");
            }
            if (!tag.equals("storage")) {
                throw error("unknown persistent id kind '" + printable(tag) + "'");
            }
            if (t.size() != 5 && t.size() != 6) {
                throw error("storage persistent id has " + t.size() + " fields, expected 5 or 6");
            }
            if (!(t.get(1) instanceof Global g) || (g.kind() != Kind.STORAGE && g.kind() != Kind.UNTYPED_STORAGE)) {
                throw error("storage persistent id names a " + typeName(t.get(1)) + ", expected a torch storage type");
            }
            String key = storageKey(t.get(2));
            if (!(t.get(3) instanceof String location)) {
                throw error("storage location is a " + typeName(t.get(3)) + ", expected a str");
            }
            long numel = nonNegative(t.get(4), "storage size");
            long viewOffset = 0;
            long viewNumel = numel;
            if (t.size() == 6 && t.get(5) != NONE) {
                if (!(t.get(5) instanceof Tuple v) || v.size() != 3) {
                    throw error("storage view is a " + typeName(t.get(5)) + ", expected (key, offset, size)");
                }
                storageKey(v.get(0));
                viewOffset = nonNegative(v.get(1), "storage view offset");
                viewNumel = nonNegative(v.get(2), "storage view size");
                if (viewOffset > numel || viewNumel > numel - viewOffset) {
                    throw error("storage view [" + viewOffset + ", +" + viewNumel + ") lies outside its " + numel
                            + "-element storage");
                }
            }
            return new StorageRef(key, g.dtype(), g.kind() == Kind.UNTYPED_STORAGE, numel, location, viewOffset,
                    viewNumel);
        }

        private String storageKey(Object k) throws IOException {
            String s;
            if (k instanceof String str) {
                s = str;
            } else if (k instanceof Long l) {
                s = Long.toString(l);
            } else {
                throw error("storage key is a " + typeName(k) + ", expected a str");
            }
            if (s.isEmpty() || s.length() > 256) {
                throw error("storage key has length " + s.length() + ", expected 1..256");
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x21 || c > 0x7e || c == '/' || c == '\\') {
                    throw error("storage key '" + printable(s) + "' has a character other than printable ASCII");
                }
            }
            return s;
        }
    }

    /** pickletools' name of an opcode byte. */
    static String opName(int op) {
        return switch (op) {
            case '(' -> "MARK";
            case '.' -> "STOP";
            case '0' -> "POP";
            case '1' -> "POP_MARK";
            case '2' -> "DUP";
            case 'F' -> "FLOAT";
            case 'I' -> "INT";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'L' -> "LONG";
            case 'M' -> "BININT2";
            case 'N' -> "NONE";
            case 'P' -> "PERSID";
            case 'Q' -> "BINPERSID";
            case 'R' -> "REDUCE";
            case 'S' -> "STRING";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'V' -> "UNICODE";
            case 'X' -> "BINUNICODE";
            case 'a' -> "APPEND";
            case 'b' -> "BUILD";
            case 'c' -> "GLOBAL";
            case 'd' -> "DICT";
            case '}' -> "EMPTY_DICT";
            case 'e' -> "APPENDS";
            case 'g' -> "GET";
            case 'h' -> "BINGET";
            case 'i' -> "INST";
            case 'j' -> "LONG_BINGET";
            case 'l' -> "LIST";
            case ']' -> "EMPTY_LIST";
            case 'o' -> "OBJ";
            case 'p' -> "PUT";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 's' -> "SETITEM";
            case 't' -> "TUPLE";
            case ')' -> "EMPTY_TUPLE";
            case 'u' -> "SETITEMS";
            case 'G' -> "BINFLOAT";
            case 0x80 -> "PROTO";
            case 0x81 -> "NEWOBJ";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x85 -> "TUPLE1";
            case 0x86 -> "TUPLE2";
            case 0x87 -> "TUPLE3";
            case 0x88 -> "NEWTRUE";
            case 0x89 -> "NEWFALSE";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 0x8c -> "SHORT_BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x92 -> "NEWOBJ_EX";
            case 0x93 -> "STACK_GLOBAL";
            case 0x94 -> "MEMOIZE";
            case 0x95 -> "FRAME";
            case 0x96 -> "BYTEARRAY8";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            default -> "0x" + Integer.toHexString(op);
        };
    }
}
