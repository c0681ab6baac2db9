package org.jpac.io;

import java.util.Arrays;

import org.jpac.Tensor;

/**
 * One float tensor of a {@link StateDict}: row-major contiguous values on the
 * Java heap and a shape. Unlike {@link Tensor} it may have rank 0 (a scalar,
 * one value) or dimensions of size 0 (no values), as PyTorch state dicts do.
 *
 * <p>The shape is copied; the data array is not (it is shared with the caller,
 * so that loading a large file does not hold two copies).
 *
 * @param data the values in row-major order (shared with the caller)
 * @param shape the size of each dimension
 */
public record TensorData(float[] data, long[] shape) {

    /** Most dimensions accepted (PyTorch's own limit is 64). */
    public static final int MAX_RANK = 64;

    /**
     * Checks the shape against the data and copies the shape.
     *
     * @throws NullPointerException if {@code data} or {@code shape} is null
     * @throws IllegalArgumentException if the rank exceeds {@link #MAX_RANK}, a dimension is negative or the element
     *     count is not {@code data.length}
     */
    public TensorData {
        if (data == null) {
            throw new NullPointerException("data");
        }
        if (shape == null) {
            throw new NullPointerException("shape");
        }
        shape = shape.clone();
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("shape: rank " + shape.length + " exceeds " + MAX_RANK);
        }
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape: dimension " + i + " is " + shape[i] + " in "
                        + Arrays.toString(shape));
            }
            n = shape[i] == 0 || n == 0 ? 0 : multiply(n, shape[i], shape);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("data: length " + data.length + " does not match shape "
                    + Arrays.toString(shape) + " (" + n + " elements)");
        }
    }

    private static long multiply(long a, long b, long[] shape) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape: " + Arrays.toString(shape) + " has too many elements");
        }
    }

    /** A tensor of the given shape holding {@code data} (not copied). */
    public static TensorData of(float[] data, long... shape) {
        return new TensorData(data, shape);
    }

    /** A copy of a {@link Tensor}'s values and shape. */
    public static TensorData of(Tensor t) {
        return new TensorData(t.toArray(), t.shape());
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
     * @return {@code data.length}
     */
    public int numel() {
        return data.length;
    }

    /** Whether the shape equals {@code expected}. */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * A new off-heap {@link Tensor} (the caller closes it) with these values. A
     * scalar becomes shape [1]; tensors with no elements or more than
     * {@link Tensor#MAX_RANK} dimensions cannot be represented and throw
     * {@link IllegalArgumentException}.
     */
    public Tensor toTensor() {
        long[] s = shape.length == 0 ? new long[] {1} : shape;
        if (data.length == 0) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape)
                    + " has no elements; org.jpac.Tensor cannot hold it");
        }
        return Tensor.of(data, s);
    }

    /** Shape as text, e.g. {@code [32, 1, 5, 5]}; {@code []} for a scalar. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
