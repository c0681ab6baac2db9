package org.jpac.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/** A sequential branch of named layers, as {@code nn.Sequential} (names "0", "1", ... or "conv1", ...). */
final class Seq implements AutoCloseable {

    private final List<String> names = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    Seq add(String name, Layer layer) {
        names.add(name);
        layers.add(layer);
        return this;
    }

    int size() {
        return layers.size();
    }

    /** The output; x itself is neither modified nor closed (an empty branch returns a copy). */
    Tensor forward(Tensor x) {
        if (layers.isEmpty()) {
            return x.copy();
        }
        Tensor cur = x;
        for (Layer l : layers) {
            Tensor next;
            try {
                next = l.forward(cur);
            } finally {
                if (cur != x) {
                    cur.close();
                }
            }
            cur = next;
        }
        return cur;
    }

    void collect(String prefix, Map<String, Tensor> into) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collect(prefix + names.get(i) + ".", into);
        }
    }

    void collectOptional(String prefix, Set<String> into) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collectOptional(prefix + names.get(i) + ".", into);
        }
    }

    @Override
    public void close() {
        layers.forEach(Layer::close);
    }
}
