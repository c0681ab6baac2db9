package org.jpac;

/**
 * Where a tensor's memory lives. CPU memory is ordinary host memory; a CUDA
 * tensor's segment holds a device pointer that Java never dereferences.
 *
 * @param type the kind of device
 * @param index the device ordinal (0 for the CPU)
 */
public record Device(Type type, int index) {

    /** The kind of device. */
    public enum Type {
        /** Host memory, the CPU backend. */
        CPU,
        /** GPU memory, the CUDA backend. */
        CUDA
    }

    /** The host CPU. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /**
     * Checks the device.
     *
     * @throws NullPointerException if {@code type} is null
     * @throws IllegalArgumentException if {@code index} is negative, or not 0 for the CPU
     */
    public Device {
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (index < 0 || (type == Type.CPU && index != 0)) {
            throw new IllegalArgumentException("index: " + index + " is not valid for " + type);
        }
    }

    /**
     * The CUDA device with the given ordinal.
     *
     * @param index the device ordinal (at least 0)
     * @return the device
     */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /**
     * Whether this is the CPU.
     *
     * @return true for the CPU
     */
    public boolean isCpu() {
        return type == Type.CPU;
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
