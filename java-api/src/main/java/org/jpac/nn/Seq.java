package org.jpac.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Device;
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

    /**
     * The training forward: as {@link #forward(Tensor)}, and saves the input of
     * every layer in {@code tape} under {@code key + ".in" + l} (layer 0's input
     * {@code x} by reference: the caller keeps it open; the others owned by the
     * tape). With a null tape it is {@link #forward(Tensor)}.
     */
    Tensor forward(Tensor x, Tape tape, String key) {
        if (tape == null) {
            return forward(x);
        }
        if (layers.isEmpty()) {
            return x.copy();
        }
        tape.ref(key + ".in0", x);
        Tensor cur = x;
        for (int l = 0; l < layers.size(); l++) {
            if (l > 0) {
                tape.own(key + ".in" + l, cur);
            }
            cur = layers.get(l).forward(cur);
        }
        return cur;
    }

    /**
     * The backward of {@link #forward(Tensor, Tape, String)}: the gradient for the
     * branch's input (a new tensor; null when {@code needInput} is false), adding
     * each layer's parameter gradients to {@code acc} under {@code prefix} + the
     * layer's name. {@code gradOutput} is neither modified nor closed.
     */
    Tensor backward(Tensor gradOutput, Tape tape, String key, GradAcc acc, String prefix, boolean needInput) {
        if (layers.isEmpty()) {
            return needInput ? gradOutput.copy() : null;
        }
        Tensor g = gradOutput;
        try {
            for (int l = layers.size() - 1; l >= 0; l--) {
                Tensor in = tape.get(key + ".in" + l);
                Tensor next = layers.get(l).backward(in, g, prefix + names.get(l) + ".", acc, l > 0 || needInput);
                if (g != gradOutput) {
                    g.close();
                }
                g = next;
            }
            return g;
        } catch (RuntimeException | Error e) {
            if (g != gradOutput && g != null) {
                g.close();
            }
            throw e;
        }
    }

    /** The first layer (by name) that has no backward pass, or null when all have one. */
    String untrainable(String prefix) {
        for (int i = 0; i < layers.size(); i++) {
            if (!layers.get(i).trainable()) {
                return prefix + names.get(i);
            }
        }
        return null;
    }

    /** The state-dict keys that get gradients: every tensor of the trainable layers. */
    void collectLearnable(String prefix, Map<String, Tensor> into) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).trainable()) {
                layers.get(i).collect(prefix + names.get(i) + ".", into);
            }
        }
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

    /** Moves every layer's tensors to {@code device} ({@link Layer#to}). */
    void to(Device device) {
        layers.forEach(l -> l.to(device));
    }
}
