package org.jpac.internal;

import org.jpac.Device;
import org.jpac.Tensor;

/**
 * A tensor on the device a step needs: the caller's own when it is there already
 * (not closed here), else a copy that {@link #close} frees. How the model
 * pipelines hand their host-side steps (hole filling, scaling, edge features)
 * and their network, which may sit on a CUDA device, each the tensors they need.
 */
public final class Placed implements AutoCloseable {

    private final Tensor tensor;
    private final boolean copy;

    private Placed(Tensor tensor, boolean copy) {
        this.tensor = tensor;
        this.copy = copy;
    }

    /** {@code t} on {@code device} (null stays null). */
    public static Placed on(Device device, Tensor t) {
        if (t == null || t.device().equals(device)) {
            return new Placed(t, false);
        }
        return new Placed(t.to(device), true);
    }

    /** {@code t} on the CPU. */
    public static Placed onCpu(Tensor t) {
        return on(Device.CPU, t);
    }

    /** The tensor on the device asked for (the caller's or the copy). */
    public Tensor get() {
        return tensor;
    }

    /**
     * A new tensor on {@code device} with {@code t}'s values, which the caller closes: {@code t} itself
     * when it is there already, else a copy (and {@code t} is closed). Unlike
     * {@link DeviceMoves#moved}, which keeps a layer's tensor when the copy fails, {@code t} is a
     * result handed over: it is closed whether or not the copy succeeds.
     */
    public static Tensor movedTo(Device device, Tensor t) {
        if (t.device().equals(device)) {
            return t;
        }
        try (t) {
            return t.to(device);
        }
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code name} when {@code t} is neither on the CPU
     * nor on {@code at}, the device the model ({@code model}: "upsampler", "refiner") runs on.
     */
    public static void requireCpuOr(Device at, Tensor t, String name, String model) {
        if (!t.device().isCpu() && !t.device().equals(at)) {
            throw new IllegalArgumentException(name + ": is on " + t.device() + ", but this " + model + " runs on "
                    + at + " (give tensors on the CPU or on " + at + ")");
        }
    }

    /** The tensor's values, read through a host copy when it is on a device. */
    public static float[] values(Tensor t) {
        try (Placed host = onCpu(t)) {
            return host.get().toArray();
        }
    }

    @Override
    public void close() {
        if (copy) {
            tensor.close();
        }
    }
}
