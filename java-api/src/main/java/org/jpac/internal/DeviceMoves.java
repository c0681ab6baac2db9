package org.jpac.internal;

import org.jpac.Device;
import org.jpac.Tensor;

/** Moving a layer's own tensors to another device, as the layers' {@code to(Device)} do. */
public final class DeviceMoves {

    private DeviceMoves() {
    }

    /**
     * {@code t} itself when null or already on {@code device}; otherwise a copy
     * there with its name, and {@code t} is closed.
     */
    public static Tensor moved(Tensor t, Device device) {
        if (t == null || t.device().equals(device)) {
            return t;
        }
        Tensor copy = t.to(device);
        if (t.name() != null) {
            copy.named(t.name());
        }
        t.close();
        return copy;
    }
}
