package org.jpac.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * A sequential network of named layers, as {@code nn.Sequential} with names,
 * whose layers may read earlier outputs by name (the guidance of hot-swapped PAC
 * layers, see {@link HotSwap}). State-dict keys are {@code <layer>.<key>}.
 *
 * <p>The network owns its layers ({@link #close}). {@link #forward} only reads
 * the weights; changing layers ({@link #replace}) while another thread runs
 * forward is not allowed.
 */
public final class Sequential implements Network {

    /** The tap name of the network's input. */
    public static final String INPUT = "input";

    private final List<String> names = new ArrayList<>();
    private final List<TapLayer> layers = new ArrayList<>();
    private boolean closed;

    /** Appends a layer; returns this. Names are unique, non-empty, without '.', and not {@value #INPUT}. */
    public Sequential add(String name, TapLayer layer) {
        checkOpen();
        if (name == null || layer == null) {
            throw new NullPointerException("name and layer must not be null");
        }
        if (name.isEmpty() || name.contains(".") || name.equals(INPUT)) {
            throw new IllegalArgumentException("name: must be non-empty, without '.', and not '" + INPUT
                    + "', got '" + name + "'");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("name: '" + name + "' is already used");
        }
        for (String t : layer.guideTaps()) {
            if (!t.equals(INPUT) && !names.contains(t)) {
                throw new IllegalArgumentException(name + ": guide tap '" + t + "' is not an earlier layer");
            }
        }
        names.add(name);
        layers.add(layer);
        return this;
    }

    /** Appends a standard convolution; returns this. */
    public Sequential add(String name, Conv2d conv) {
        return add(name, new LayerTap(conv));
    }

    /** Appends a ReLU; returns this. */
    public Sequential relu(String name) {
        return add(name, new LayerTap(Layer.RELU));
    }

    /** Appends average pooling with window and stride {@code k}, no padding; returns this. */
    public Sequential avgPool(String name, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k: must be >= 1, got " + k);
        }
        return add(name, new TapLayer() {
            @Override
            public Tensor forward(Tensor x, Map<String, Tensor> taps) {
                return StdOps.avgPool2d(x, k, k, 0);
            }

            @Override
            public Map<String, Tensor> parameters() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        });
    }

    /** The layer names in order. */
    public List<String> names() {
        return List.copyOf(names);
    }

    /** The number of layers. */
    public int size() {
        return layers.size();
    }

    /** The layer of that name; throws when there is none. */
    public TapLayer layer(String name) {
        return layers.get(index(name));
    }

    /** The standard convolution of that name, or null when the layer is something else. */
    public Conv2d conv(String name) {
        return layer(name) instanceof LayerTap t && t.layer instanceof Conv2d c ? c : null;
    }

    /** Position of a layer; throws naming the known layers when absent. */
    public int index(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("layer: no layer '" + name + "' (layers: " + names + ")");
        }
        return i;
    }

    /**
     * Replaces a layer and returns the old one, which the caller now owns (and
     * closes). The new layer's guide taps must be {@value #INPUT} or earlier layers.
     */
    public TapLayer replace(String name, TapLayer layer) {
        checkOpen();
        if (layer == null) {
            throw new NullPointerException("layer");
        }
        int i = index(name);
        for (String t : layer.guideTaps()) {
            int j = t.equals(INPUT) ? -1 : names.indexOf(t);
            if (!t.equals(INPUT) && (j < 0 || j >= i)) {
                throw new IllegalArgumentException(name + ": guide tap '" + t + "' is not " + INPUT
                        + " or a layer before '" + name + "'");
            }
        }
        return layers.set(i, layer);
    }

    /** The network's output for {@code x} (a new tensor; x is neither modified nor closed). */
    public Tensor forward(Tensor x) {
        checkOpen();
        StdOps.need(x, "x");
        Set<String> needed = new HashSet<>();
        layers.forEach(l -> needed.addAll(l.guideTaps()));
        Map<String, Tensor> taps = new HashMap<>();
        taps.put(INPUT, x);
        Tensor cur = x;
        try {
            if (layers.isEmpty()) {
                return x.copy();
            }
            for (int i = 0; i < layers.size(); i++) {
                Tensor next = layers.get(i).forward(cur, taps);
                if (cur != x && !taps.containsValue(cur)) {
                    cur.close();
                }
                cur = next;
                if (needed.contains(names.get(i))) {
                    taps.put(names.get(i), cur);
                }
            }
            Tensor out = cur;
            cur = null;
            taps.values().removeIf(t -> t == out);
            return out;
        } catch (RuntimeException | Error e) {
            if (cur != null && cur != x && !taps.containsValue(cur)) {
                cur.close();
            }
            throw e;
        } finally {
            taps.forEach((k, t) -> {
                if (t != x) {
                    t.close();
                }
            });
        }
    }

    /** Every layer's tensors under {@code <layer>.<key>}. */
    @Override
    public Map<String, Tensor> parameters() {
        checkOpen();
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            String p = names.get(i) + ".";
            layers.get(i).parameters().forEach((k, v) -> m.put(p + k, v));
        }
        return m;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Sequential is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        layers.forEach(TapLayer::close);
    }

    @Override
    public String toString() {
        return "Sequential" + names;
    }
}
