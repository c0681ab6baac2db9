package org.jpac.nn;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * What a training forward pass saves for its backward pass: tensors by key,
 * some owned (closed with the tape), some only referenced (the caller's inputs,
 * which must stay open until the backward pass). Not thread-safe.
 */
final class Tape implements AutoCloseable {

    private final Map<String, Tensor> saved = new HashMap<>();
    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<String, long[]> shapes = new HashMap<>();
    private boolean closed;

    /** Saves {@code t} under {@code key}, taking ownership; returns t. */
    Tensor own(String key, Tensor t) {
        checkOpen();
        owned.add(t);
        put(key, t);
        return t;
    }

    /** Saves a reference to {@code t} (not owned: the caller keeps it open); returns t. */
    Tensor ref(String key, Tensor t) {
        checkOpen();
        put(key, t);
        return t;
    }

    private void put(String key, Tensor t) {
        Tensor old = saved.put(key, t);
        if (old != null && old != t && owned.remove(old)) {
            old.close();
        }
    }

    /** Remembers a shape (e.g. of an input whose values the backward pass does not need). */
    void shape(String key, long[] shape) {
        shapes.put(key, shape.clone());
    }

    long[] shape(String key) {
        long[] s = shapes.get(key);
        if (s == null) {
            throw new IllegalStateException("the training forward saved no shape '" + key + "'");
        }
        return s.clone();
    }

    /** The saved tensor; throws when there is none or it was closed. */
    Tensor get(String key) {
        checkOpen();
        Tensor t = saved.get(key);
        if (t == null) {
            throw new IllegalStateException("the training forward saved no '" + key + "'");
        }
        if (t.isClosed()) {
            throw new IllegalStateException("'" + key + "', saved by the training forward, was closed before "
                    + "the backward pass");
        }
        return t;
    }

    boolean has(String key) {
        return saved.containsKey(key);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        owned.forEach(Tensor::close);
        owned.clear();
        saved.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the saved tensors of this step were already released");
        }
    }
}
