package org.jpac;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.jpac.internal.NativeCalls;
import org.jpac.internal.NonFinite;
import org.jpac.internal.TensorAccess;
import org.jpac.internal.TensorMemory;

/**
 * A dense, contiguous, row-major float32 tensor (NCHW for images, 6-D for
 * adapting kernels) viewing a {@link MemorySegment}.
 *
 * <p>Devices: a tensor lives on the CPU or on a CUDA device
 * ({@link #allocate(Device, long...)}, {@link #to(Device)}); an operation runs
 * on the device of its tensors, which must all be on the same one. A CUDA
 * tensor's memory is never read from Java: element access, {@link #segment()}
 * and {@link #toArray()} throw for it; {@link #to(Device)} and
 * {@link #copyFrom(Tensor)} copy between host and device.
 *
 * <p>Memory: {@link #allocate}, {@link #empty} and {@link #of} own their memory,
 * drawn from jpac's pool of native blocks (a closed tensor's block is reused by
 * later tensors of a similar size, so steady calls do not fault in fresh pages;
 * see {@link Jpac#memoryStats()}). {@link #wrap} views caller memory without
 * copying, and {@link #close} then only detaches the view.
 *
 * <p>Lifetime: {@code close} is idempotent; any use afterwards throws
 * {@link IllegalStateException} naming the tensor, and every segment the
 * tensor handed out becomes inaccessible. Closing a tensor that a native call
 * on another thread is still using waits until that call returns: an operation
 * never runs on freed memory. Every operation also checks that a wrapped
 * segment's arena is still open, that the calling thread may access it, and
 * that an output is not read-only. An owned tensor that becomes unreachable
 * without {@code close} is freed by the garbage collector and reported as a
 * leak ({@code -Djpac.leaks=off|warn|report}, default {@code warn};
 * {@code report} names where each leaked tensor was allocated).
 *
 * <p>Thread-safety: a tensor may be read by several threads at once, or written
 * by one thread with no concurrent readers. Closing a tensor that another
 * thread is reading from Java (element access, {@code toArray}) is a
 * programming error: that read may see stale values or throw, but never
 * touches unmapped memory.
 */
public final class Tensor implements AutoCloseable {

    /** Most dimensions a tensor may have (JPAC_MAX_DIMS). */
    public static final int MAX_RANK = 6;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    static {
        TensorAccess.install(new TensorAccess.Accessor() {
            @Override
            public MemorySegment data(Tensor t, String argument) {
                return t.data(argument);
            }

            @Override
            public TensorMemory owned(Tensor t) {
                return t.memory;
            }
        });
    }

    private final long[] shape;
    private final long numel;
    private final Device device;
    private final TensorMemory memory; // null when the memory belongs to the caller
    private volatile MemorySegment segment; // null once closed; for owned tensors jpac's own view (memory.raw())
    private volatile String name;

    /** A view of caller memory. */
    private Tensor(MemorySegment segment, long[] shape, long numel, Device device) {
        this.segment = segment;
        this.shape = shape;
        this.numel = numel;
        this.device = device;
        this.memory = null;
    }

    /** A tensor owning new memory on {@code device}. */
    private Tensor(Device device, long[] shape, long numel, boolean zero) {
        this.shape = shape;
        this.numel = numel;
        this.device = device;
        long bytes = numel * Float.BYTES;
        this.memory = device.isCpu() ? TensorMemory.allocate(this, shape, bytes, zero)
                : TensorMemory.allocateDevice(this, shape, device, bytes, zero);
        this.segment = memory.raw();
    }

    /** A new zero-filled CPU tensor of the given shape. */
    public static Tensor allocate(long... shape) {
        return allocate(Device.CPU, shape);
    }

    /**
     * A new zero-filled tensor on {@code device}. For a CUDA device the memory is
     * device memory (from the CUDA backend, which must be available: otherwise
     * {@link JpacException} with status UNSUPPORTED says why it is not).
     *
     * @param device where the memory lives
     * @param shape the size of each dimension
     * @return the tensor, which the caller closes
     */
    public static Tensor allocate(Device device, long... shape) {
        long[] s = checkShape(shape);
        return new Tensor(checkDevice(device), s, numel(s), true);
    }

    /**
     * A new tensor on {@code device} whose contents are unspecified (not zeroed).
     *
     * @param device where the memory lives
     * @param shape the size of each dimension
     * @return the tensor, which the caller closes
     */
    public static Tensor empty(Device device, long... shape) {
        long[] s = checkShape(shape);
        return new Tensor(checkDevice(device), s, numel(s), false);
    }

    private static Device checkDevice(Device device) {
        if (device == null) {
            throw new NullPointerException("device: must not be null");
        }
        return device;
    }

    /**
     * A new CPU tensor whose contents are unspecified (not zeroed): for outputs
     * that an operation writes whole, such as those of the {@code ...Into}
     * methods. Its memory may hold values of tensors closed before.
     */
    public static Tensor empty(long... shape) {
        return empty(Device.CPU, shape);
    }

    /** A new zero-filled tensor with the shape of {@code other}, on its device (as PyTorch's {@code zeros_like}). */
    public static Tensor zerosLike(Tensor other) {
        return allocate(other.device(), other.shape());
    }

    /** A new CPU tensor holding a copy of {@code data}. */
    public static Tensor of(float[] data, long... shape) {
        if (data == null) {
            throw new NullPointerException("data");
        }
        long[] s = checkShape(shape);
        if (numel(s) != data.length) {
            throw new IllegalArgumentException("data: length " + data.length + " does not match shape "
                    + Arrays.toString(s) + " (" + numel(s) + " elements)");
        }
        Tensor t = empty(s);
        t.copyFrom(data);
        return t;
    }

    /** A new CPU tensor holding {@code data} converted to float. */
    public static Tensor ofDoubles(double[] data, long... shape) {
        if (data == null) {
            throw new NullPointerException("data");
        }
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return of(f, shape);
    }

    /** A CPU view of caller memory, without copying. */
    public static Tensor wrap(MemorySegment segment, long... shape) {
        return wrap(segment, Device.CPU, shape);
    }

    /**
     * A view of caller memory on {@code device}, without copying. For CUDA the
     * segment carries a device address and a byte size; it is never read from Java.
     */
    public static Tensor wrap(MemorySegment segment, Device device, long... shape) {
        if (segment == null) {
            throw new NullPointerException("segment");
        }
        if (device == null) {
            throw new NullPointerException("device");
        }
        long[] s = checkShape(shape);
        long n = numel(s);
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("segment: its arena is closed (the memory has been freed)");
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("segment: confined to another thread; wrap it on the thread that owns "
                    + "it, or allocate it in a shared arena");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: must be native (off-heap) memory, got a heap segment");
        }
        if (segment.byteSize() < n * Float.BYTES) {
            throw new IllegalArgumentException("segment: " + segment.byteSize() + " bytes is too small for shape "
                    + Arrays.toString(s) + " (" + n * Float.BYTES + " bytes)");
        }
        if (segment.address() % Float.BYTES != 0) {
            throw new IllegalArgumentException("segment: address 0x" + Long.toHexString(segment.address())
                    + " is not 4-byte aligned");
        }
        return new Tensor(segment.asSlice(0, n * Float.BYTES), s, n, device);
    }

    private static long[] checkShape(long[] shape) {
        if (shape == null) {
            throw new NullPointerException("shape");
        }
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException("shape: rank must be 1.." + MAX_RANK + ", got " + shape.length);
        }
        long[] s = shape.clone();
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 1) {
                throw new IllegalArgumentException("shape: dimension " + i + " is " + s[i] + ", must be >= 1 (shape "
                        + Arrays.toString(s) + ")");
            }
            try {
                n = Math.multiplyExact(n, s[i]);
                Math.multiplyExact(n, (long) Float.BYTES);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape: " + Arrays.toString(s) + " has too many elements");
            }
        }
        return s;
    }

    private static long numel(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }

    /** Gives this tensor a name used in error messages; returns this. */
    public Tensor named(String name) {
        this.name = name;
        return this;
    }

    /**
     * The name given by {@link #named}, or null.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The shape (a copy).
     *
     * @return the size of each dimension
     */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim}; negative counts from the end. */
    public long dim(int dim) {
        int d = dim < 0 ? shape.length + dim : dim;
        if (d < 0 || d >= shape.length) {
            throw new IndexOutOfBoundsException("dim " + dim + " of a rank-" + shape.length + " tensor");
        }
        return shape[d];
    }

    /**
     * The number of dimensions.
     *
     * @return the rank
     */
    public int rank() {
        return shape.length;
    }

    /**
     * The number of elements.
     *
     * @return the product of the shape
     */
    public long numel() {
        return numel;
    }

    /**
     * Where the tensor's memory lives.
     *
     * @return the device
     */
    public Device device() {
        return device;
    }

    /** Whether the tensor is closed, or its memory (for a wrapped segment: the caller's arena) is freed. */
    public boolean isClosed() {
        MemorySegment s = segment;
        return s == null || !s.scope().isAlive();
    }

    /**
     * Returns this tensor if it can be used; otherwise throws
     * {@link IllegalStateException} naming {@code argument}: closed, or (for a
     * wrapped segment) its memory freed by the caller.
     */
    public Tensor requireOpen(String argument) {
        data(argument);
        return this;
    }

    /** Why a tensor over {@code s} cannot be used, or null when it can. */
    private static String unusable(MemorySegment s) {
        if (!s.scope().isAlive()) {
            return ": its memory has been freed (the arena of the segment it wraps is closed)";
        }
        return null;
    }

    /**
     * Returns this tensor if every value is finite; otherwise throws
     * {@link IllegalArgumentException} naming {@code name} (the tensor or the
     * argument it is for), how many values are NaN or infinite and the index of
     * the first. One pass over the data: a cheap check to opt into where input
     * comes from files or users, since NaN and infinity otherwise spread
     * through every operation without an error.
     */
    public Tensor requireFinite(String name) {
        NonFinite bad = NonFinite.in(hostSegment(), numel);
        if (bad != null) {
            throw new IllegalArgumentException((name == null ? toString() : name) + ": " + bad.count() + " of "
                    + numel + " values are not finite (NaN or infinite), the first at "
                    + NonFinite.index(bad.first(), shape));
        }
        return this;
    }

    /** Whether this tensor owns its memory (allocated by jpac, not wrapped). */
    public boolean ownsMemory() {
        return memory != null;
    }

    /** Whether the shape equals {@code expected}. */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * The memory (exactly numel*4 bytes), for reading and writing it directly or
     * passing it on. Throws if closed. For an owned tensor the segment becomes
     * inaccessible when the tensor is closed.
     *
     * @throws UnsupportedOperationException for a tensor on a CUDA device: its
     *         memory is device memory, which the host cannot read
     */
    public MemorySegment segment() {
        data();
        requireHost("segment()");
        if (memory == null) {
            return segment;
        }
        MemorySegment v = memory.view();
        if (v == null) {
            throw new IllegalStateException(this + " is closed");
        }
        return v;
    }

    /** The memory for jpac's own accesses (no per-tensor arena); throws if it cannot be used. */
    private MemorySegment data() {
        return data(null);
    }

    /** As {@link #data()}, the exception naming {@code argument} (when non-null). */
    private MemorySegment data(String argument) {
        MemorySegment s = segment;
        String why = s == null ? " is closed" : unusable(s);
        if (why != null) {
            throw new IllegalStateException((argument == null ? "" : argument + ": ") + this + why);
        }
        return s;
    }

    private MemorySegment hostSegment() {
        MemorySegment s = data();
        requireHost("element access");
        return s;
    }

    private void requireHost(String what) {
        if (!device.isCpu()) {
            throw new UnsupportedOperationException(this + " is on " + device + ": its memory is device memory, which "
                    + what + " cannot read from the host; copy it first with to(Device.CPU)");
        }
    }

    private long offset(long[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index: expected " + shape.length + " indices, got " + index.length);
        }
        long off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape "
                        + Arrays.toString(shape));
            }
            off = off * shape[i] + index[i];
        }
        return off;
    }

    /**
     * The element at a position (CPU tensors only).
     *
     * @param index one index per dimension
     * @return the element
     * @throws IllegalArgumentException if the index count is not the rank
     * @throws IndexOutOfBoundsException if an index is out of bounds
     * @throws UnsupportedOperationException if the tensor is not on the CPU
     */
    public float get(long... index) {
        return hostSegment().getAtIndex(F32, offset(index));
    }

    /**
     * Sets the element at a position (CPU tensors only).
     *
     * @param value the new value
     * @param index one index per dimension
     * @throws IllegalArgumentException if the index count is not the rank
     * @throws IndexOutOfBoundsException if an index is out of bounds
     * @throws UnsupportedOperationException if the tensor is not on the CPU
     */
    public void set(float value, long... index) {
        hostSegment().setAtIndex(F32, offset(index), value);
    }

    /** Element at a flat (row-major) position. */
    public float getFlat(long i) {
        MemorySegment s = hostSegment();
        java.util.Objects.checkIndex(i, numel);
        return s.getAtIndex(F32, i);
    }

    /**
     * Sets the element at a flat (row-major) position.
     *
     * @param i the flat position
     * @param value the new value
     * @throws IndexOutOfBoundsException if {@code i} is out of bounds
     */
    public void setFlat(long i, float value) {
        MemorySegment s = hostSegment();
        java.util.Objects.checkIndex(i, numel);
        s.setAtIndex(F32, i, value);
    }

    /**
     * A copy of the elements in row-major order (CPU tensors only).
     *
     * @return the elements
     * @throws UnsupportedOperationException if the tensor is not on the CPU or has too many elements for a Java array
     */
    public float[] toArray() {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(this + " has too many elements for a Java array");
        }
        return hostSegment().toArray(F32);
    }

    /**
     * Overwrites the elements from an array in row-major order (CPU tensors only).
     *
     * @param data the elements
     * @throws NullPointerException if {@code data} is null
     */
    public void copyFrom(float[] data) {
        if (data == null) {
            throw new NullPointerException("data");
        }
        if (data.length != numel) {
            throw new IllegalArgumentException("data: length " + data.length + " does not match " + this
                    + " (" + numel + " elements)");
        }
        MemorySegment.copy(data, 0, hostSegment(), F32, 0, data.length);
    }

    /**
     * Overwrites the elements with those of a tensor of the same shape, on any
     * device: host to host, host to device, device to host, device to device.
     *
     * @param other the source
     * @throws IllegalArgumentException if the shapes differ
     */
    public void copyFrom(Tensor other) {
        if (other == null) {
            throw new NullPointerException("other: must not be null");
        }
        if (!Arrays.equals(other.shape, shape)) {
            throw new IllegalArgumentException("other: shape " + Arrays.toString(other.shape) + " does not match "
                    + this);
        }
        if (device.isCpu() && other.device.isCpu()) {
            hostSegment().copyFrom(other.hostSegment());
        } else {
            NativeCalls.copyTensor(other, this); // holds both tensors' memory for the copy, as any operation
        }
    }

    /**
     * A copy of this tensor on {@code device} (a new tensor, also when it is on
     * that device already): how data goes to a CUDA device and back.
     *
     * @param device where the copy lives
     * @return the copy, which the caller closes
     */
    public Tensor to(Device device) {
        Tensor t = empty(device, shape);
        try {
            t.copyFrom(this);
            return t;
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }

    /**
     * Sets every element to {@code value} (CPU tensors only).
     *
     * @param value the value
     */
    public void fill(float value) {
        MemorySegment s = hostSegment();
        if (Float.floatToRawIntBits(value) == 0) {
            s.fill((byte) 0);
            return;
        }
        for (long i = 0; i < numel; i++) {
            s.setAtIndex(F32, i, value);
        }
    }

    /** A new tensor with a copy of this one's data, on the same device. */
    public Tensor copy() {
        return to(device);
    }

    /**
     * Frees owned memory (or detaches a wrapped view). Idempotent. Waits while a
     * native call on another thread still uses the memory.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (segment == null) {
                return;
            }
            segment = null;
        }
        if (memory != null) {
            memory.release();
        }
    }

    @Override
    public String toString() {
        String n = name;
        return "Tensor" + (n == null ? "" : " '" + n + "'") + Arrays.toString(shape)
                + (device.isCpu() ? "" : " on " + device);
    }
}
