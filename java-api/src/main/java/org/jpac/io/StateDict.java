package org.jpac.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

/**
 * An ordered map from parameter name (PyTorch's state-dict key, e.g.
 * {@code branch_t.conv1.weight}) to a float tensor ({@link TensorData}).
 * Iteration follows insertion order, which for loaded files is the file's order.
 *
 * <p>{@link #check} compares the dict with the parameters a network expects and
 * reports every missing, unexpected and mis-shaped key in one
 * {@link IllegalArgumentException}. Not thread-safe for concurrent modification.
 */
public final class StateDict {

    private final LinkedHashMap<String, TensorData> map = new LinkedHashMap<>();

    /** An empty dict. */
    public StateDict() {
    }

    /** A dict holding the given entries in the map's iteration order. */
    public static StateDict of(Map<String, TensorData> entries) {
        StateDict d = new StateDict();
        entries.forEach(d::put);
        return d;
    }

    /** Adds or replaces an entry; returns this. */
    public StateDict put(String name, TensorData t) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        if (t == null) {
            throw new NullPointerException("tensor '" + name + "'");
        }
        map.put(name, t);
        return this;
    }

    /** Adds or replaces an entry holding {@code data} (not copied) with {@code shape}; returns this. */
    public StateDict put(String name, float[] data, long... shape) {
        return put(name, new TensorData(data, shape));
    }

    /** Adds or replaces an entry with a copy of a {@link Tensor}'s values; returns this. */
    public StateDict put(String name, Tensor t) {
        return put(name, TensorData.of(t));
    }

    /** The entry, or null. */
    public TensorData get(String name) {
        return map.get(name);
    }

    /** The entry; throws {@link IllegalArgumentException} naming the key (and what there is) if absent. */
    public TensorData require(String name) {
        TensorData t = map.get(name);
        if (t == null) {
            throw new IllegalArgumentException("state dict has no key '" + name + "' (it has " + map.size()
                    + " keys" + (map.isEmpty() ? "" : ", e.g. '" + map.keySet().iterator().next() + "'") + ")");
        }
        return t;
    }

    /** The entry, which must have shape {@code shape}; throws {@link IllegalArgumentException} otherwise. */
    public TensorData require(String name, long... shape) {
        TensorData t = require(name);
        if (!t.hasShape(shape)) {
            throw new IllegalArgumentException("state dict key '" + name + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    /**
     * Whether the dict holds this key.
     *
     * @param name the key
     * @return true if present
     */
    public boolean contains(String name) {
        return map.containsKey(name);
    }

    /**
     * Removes a key.
     *
     * @param name the key
     * @return the removed tensor, or null if absent
     */
    public TensorData remove(String name) {
        return map.remove(name);
    }

    /**
     * The number of entries.
     *
     * @return the entry count
     */
    public int size() {
        return map.size();
    }

    /**
     * Whether the dict has no entries.
     *
     * @return true if empty
     */
    public boolean isEmpty() {
        return map.isEmpty();
    }

    /** The keys in order (unmodifiable view). */
    public Set<String> names() {
        return Collections.unmodifiableSet(map.keySet());
    }

    /** The entries in order (unmodifiable view). */
    public Map<String, TensorData> asMap() {
        return Collections.unmodifiableMap(map);
    }

    /** Name to shape, in order. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> r = new LinkedHashMap<>();
        map.forEach((k, v) -> r.put(k, v.shape()));
        return r;
    }

    /**
     * The entries whose key starts with {@code prefix}, with the prefix removed
     * (e.g. {@code withPrefix("param.")} or {@code withPrefix("module.")}).
     */
    public StateDict withPrefix(String prefix) {
        StateDict d = new StateDict();
        map.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                d.put(k.substring(prefix.length()), v);
            }
        });
        return d;
    }

    /**
     * Every difference between this dict and {@code expected} (name to shape), one
     * line each: missing keys, then unexpected keys, then keys of the wrong shape.
     * Empty when they match.
     */
    public List<String> mismatches(Map<String, long[]> expected) {
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorData t = map.get(e.getKey());
            if (t == null) {
                missing.add("missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue())
                        + ")");
            } else if (!t.hasShape(e.getValue())) {
                wrong.add("key '" + e.getKey() + "' has shape " + t.shapeString() + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, TensorData> e : map.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                unexpected.add("unexpected key '" + e.getKey() + "' (shape " + e.getValue().shapeString() + ")");
            }
        }
        List<String> r = new ArrayList<>(missing);
        r.addAll(unexpected);
        r.addAll(wrong);
        return r;
    }

    /**
     * Checks that this dict has exactly the keys of {@code expected} with exactly
     * those shapes. Throws one {@link IllegalArgumentException} listing every
     * missing, unexpected and mis-shaped key.
     */
    public void check(Map<String, long[]> expected) {
        List<String> m = mismatches(expected);
        if (!m.isEmpty()) {
            long missing = m.stream().filter(s -> s.startsWith("missing")).count();
            long unexpected = m.stream().filter(s -> s.startsWith("unexpected")).count();
            long wrong = m.size() - missing - unexpected;
            StringBuilder b = new StringBuilder("state dict does not match the expected parameters (")
                    .append(missing).append(" missing, ").append(unexpected).append(" unexpected, ").append(wrong)
                    .append(" with the wrong shape):");
            for (String s : m) {
                b.append("\n  ").append(s);
            }
            throw new IllegalArgumentException(b.toString());
        }
    }

    /** {@link #check(Map)} against another dict's names and shapes. */
    public void checkLike(StateDict expected) {
        check(expected.shapes());
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("StateDict{");
        boolean first = true;
        for (Map.Entry<String, TensorData> e : map.entrySet()) {
            b.append(first ? "" : ", ").append(e.getKey()).append(e.getValue().shapeString());
            first = false;
        }
        return b.append('}').toString();
    }
}
