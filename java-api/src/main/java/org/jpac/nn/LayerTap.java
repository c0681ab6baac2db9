package org.jpac.nn;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jpac.Tensor;

/** An ordinary (single-input) {@link Layer} as a {@link TapLayer}. */
final class LayerTap implements TapLayer {

    final Layer layer;

    LayerTap(Layer layer) {
        if (layer == null) {
            throw new NullPointerException("layer");
        }
        this.layer = layer;
    }

    @Override
    public Tensor forward(Tensor x, Map<String, Tensor> taps) {
        return layer.forward(x);
    }

    @Override
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        layer.collect("", m);
        return m;
    }

    @Override
    public void close() {
        layer.close();
    }
}
