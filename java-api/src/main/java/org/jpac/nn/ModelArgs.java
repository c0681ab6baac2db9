package org.jpac.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.internal.Json;

/**
 * A network's constructor arguments as the golden files store them (JSON with
 * the reference's names, e.g. {@code {"factor": 4, "channels": 1}}). Reading a
 * value of the wrong type throws an {@link IllegalArgumentException} naming it;
 * {@link #rejectUnknown} names arguments a constructor does not take.
 */
public final class ModelArgs {

    private final String model;
    private final Map<String, Object> values;

    public ModelArgs(String model, Map<String, Object> values) {
        this.model = model;
        this.values = new LinkedHashMap<>(values == null ? Map.of() : values);
    }

    /** Parses a JSON object ({@code null} or empty text: no arguments). */
    public static ModelArgs parse(String model, String json) {
        return new ModelArgs(model, json == null || json.isBlank() ? Map.of() : Json.parseObject(json));
    }

    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    public boolean has(String key) {
        return values.containsKey(key) && values.get(key) != null;
    }

    public Object raw(String key) {
        return values.get(key);
    }

    private IllegalArgumentException bad(String key, String what) {
        return new IllegalArgumentException(model + " args: " + key + " must be " + what + ", got " + values.get(key));
    }

    public int getInt(String key, int dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        Integer i = intValue(v);
        if (i == null) {
            throw bad(key, "an integer (in int range)");
        }
        return i;
    }

    /**
     * The int a value stands for: any integral {@link Number} (Long from JSON,
     * Integer or Short from Java callers, BigInteger, or a float with no
     * fraction) in int range; null for anything else.
     */
    private static Integer intValue(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            long n = ((Number) v).longValue();
            return n == (int) n ? (int) n : null;
        }
        if (v instanceof java.math.BigInteger b) {
            return b.bitLength() < 32 ? b.intValue() : null;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE ? (int) d : null;
        }
        return null;
    }

    public int requireInt(String key) {
        if (!has(key)) {
            throw new IllegalArgumentException(model + " args: missing " + key);
        }
        return getInt(key, 0);
    }

    public double getDouble(String key, double dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw bad(key, "a number");
    }

    public double requireDouble(String key) {
        if (!has(key)) {
            throw new IllegalArgumentException(model + " args: missing " + key);
        }
        return getDouble(key, 0);
    }

    public boolean getBool(String key, boolean dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw bad(key, "a boolean");
    }

    public String getString(String key, String dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw bad(key, "a string");
    }

    /** An integer or a list of integers (the reference's {@code Union[int, tuple]}); null when absent. */
    public int[] getIntOrList(String key) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        Integer one = intValue(v);
        if (one != null) {
            return new int[] {one};
        }
        if (v instanceof List<?> l) {
            int[] r = new int[l.size()];
            for (int i = 0; i < r.length; i++) {
                Integer x = intValue(l.get(i));
                if (x == null) {
                    throw bad(key, "an integer or a list of integers");
                }
                r[i] = x;
            }
            return r;
        }
        throw bad(key, "an integer or a list of integers");
    }

    /** Whether the value is a single integer (not a list). */
    public boolean isInt(String key) {
        Object v = values.get(key);
        return v != null && !(v instanceof List) && intValue(v) != null;
    }

    /** A list of JSON objects (e.g. the CRF's {@code pairwise_kernels}); empty when absent. */
    @SuppressWarnings("unchecked")
    public List<ModelArgs> getObjectList(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw bad(key, "a list of objects");
        }
        List<ModelArgs> r = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m)) {
                throw bad(key, "a list of objects");
            }
            r.add(new ModelArgs(model + "." + key, (Map<String, Object>) m));
        }
        return r;
    }

    /** Throws naming every argument not in {@code known}. */
    public void rejectUnknown(Set<String> known) {
        List<String> unknown = values.keySet().stream().filter(k -> !known.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(model + " args: unknown argument(s) " + unknown + " (known: "
                    + new java.util.TreeSet<>(known) + ")");
        }
    }

    @Override
    public String toString() {
        return model + values;
    }
}
