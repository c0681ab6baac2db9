package org.jpac;

/**
 * Where a tensor's memory lives. CPU memory is ordinary host memory; a CUDA
 * tensor's segment holds a device pointer that Java never dereferences.
 */
public record Device(Type type, int index) {

    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (index < 0 || (type == Type.CPU && index != 0)) {
            throw new IllegalArgumentException("index: " + index + " is not valid for " + type);
        }
    }

    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    public boolean isCpu() {
        return type == Type.CPU;
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
