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
 * {@link #rejectUnknown} names arguments a constructor does not take. The
 * networks' {@code fromArgs} read sizes with the bounded getters
 * ({@link #getInt(String, int, int, int)}, {@link ModelLimits}) and numbers
 * must be finite, since the values come from files.
 */
public final class ModelArgs {

    private final String model;
    private final Map<String, Object> values;

    /**
     * The arguments of a model.
     *
     * @param model the model's name, used in error messages
     * @param values the arguments by name (copied; null for none)
     */
    public ModelArgs(String model, Map<String, Object> values) {
        this.model = model;
        this.values = new LinkedHashMap<>(values == null ? Map.of() : values);
    }

    /** Parses a JSON object ({@code null} or empty text: no arguments). */
    public static ModelArgs parse(String model, String json) {
        return new ModelArgs(model, json == null || json.isBlank() ? Map.of() : Json.parseObject(json));
    }

    /**
     * The arguments by name (an unmodifiable view).
     *
     * @return the values
     */
    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /**
     * Whether the argument is given and not null (JSON null counts as absent).
     *
     * @param key the argument's name
     * @return true if present
     */
    public boolean has(String key) {
        return values.containsKey(key) && values.get(key) != null;
    }

    /**
     * The argument as stored (Long, Double, Boolean, String, List or Map from JSON), or null.
     *
     * @param key the argument's name
     * @return the value
     */
    public Object raw(String key) {
        return values.get(key);
    }

    private IllegalArgumentException bad(String key, String what) {
        return new IllegalArgumentException(model + " args: " + key + " must be " + what + ", got " + values.get(key));
    }

    /**
     * An integer, or {@code dflt} when absent; a float with no fraction counts as an integer.
     *
     * @param key the argument's name
     * @param dflt the default
     * @return the value
     * @throws IllegalArgumentException if the value is not a 32-bit integer
     */
    public int getInt(String key, int dflt) {
        if (!has(key)) {
            return dflt;
        }
        long v = integer(key);
        if (v != (int) v) {
            throw bad(key, "a 32-bit integer");
        }
        return (int) v;
    }

    /**
     * An integer in {@code min..max}, or {@code dflt} when absent: values a file
     * gives are bounded before anything is built from them ({@link ModelLimits}).
     */
    public int getInt(String key, int dflt, int min, int max) {
        if (!has(key)) {
            return dflt;
        }
        return inRange(key, integer(key), min, max);
    }

    /**
     * A required integer.
     *
     * @param key the argument's name
     * @return the value
     * @throws IllegalArgumentException if the value is absent or not a 32-bit integer
     */
    public int requireInt(String key) {
        if (!has(key)) {
            throw new IllegalArgumentException(model + " args: missing " + key);
        }
        return getInt(key, 0);
    }

    /** A required integer in {@code min..max}. */
    public int requireInt(String key, int min, int max) {
        if (!has(key)) {
            throw new IllegalArgumentException(model + " args: missing " + key);
        }
        return getInt(key, 0, min, max);
    }

    /** The value as a whole number (see {@link #wholeNumber}); otherwise an argument error. */
    private long integer(String key) {
        Long n = wholeNumber(values.get(key));
        if (n == null) {
            throw bad(key, "an integer");
        }
        return n;
    }

    /**
     * The whole number a value stands for: any integral {@link Number} (Long from
     * JSON; Integer, Short, Byte or BigInteger from Java callers) in long range,
     * or a float with no fraction up to 2^53 (e.g. {@code 4.0}); null otherwise.
     */
    private static Long wholeNumber(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof java.math.BigInteger b) {
            return b.bitLength() < 64 ? b.longValue() : null;
        }
        if ((v instanceof Double || v instanceof Float) && ((Number) v).doubleValue() == Math.rint(
                ((Number) v).doubleValue()) && Math.abs(((Number) v).doubleValue()) <= 0x1p53) {
            return (long) ((Number) v).doubleValue();
        }
        return null;
    }

    private int inRange(String key, long v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(model + " args: " + key + " must be in " + min + ".." + max + ", got "
                    + values.get(key));
        }
        return (int) v;
    }

    /**
     * A finite number, or {@code dflt} when absent.
     *
     * @param key the argument's name
     * @param dflt the default
     * @return the value
     * @throws IllegalArgumentException if the value is not a finite number
     */
    public double getDouble(String key, double dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw bad(key, "a finite number");
    }

    /**
     * A required finite number.
     *
     * @param key the argument's name
     * @return the value
     * @throws IllegalArgumentException if the value is absent or not a finite number
     */
    public double requireDouble(String key) {
        if (!has(key)) {
            throw new IllegalArgumentException(model + " args: missing " + key);
        }
        return getDouble(key, 0);
    }

    /**
     * A boolean, or {@code dflt} when absent.
     *
     * @param key the argument's name
     * @param dflt the default
     * @return the value
     * @throws IllegalArgumentException if the value is not a boolean
     */
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

    /**
     * A string, or {@code dflt} when absent.
     *
     * @param key the argument's name
     * @param dflt the default
     * @return the value
     * @throws IllegalArgumentException if the value is not a string
     */
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
        return getIntOrList(key, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 8);
    }

    /**
     * As {@link #getIntOrList(String)}, every integer in {@code min..max} and a
     * list of at most {@code maxLength} entries.
     */
    public int[] getIntOrList(String key, int min, int max, int maxLength) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        Long one = wholeNumber(v);
        if (one != null) {
            return new int[] {inRange(key, one, min, max)};
        }
        if (v instanceof List<?> l) {
            if (l.size() > maxLength) {
                throw new IllegalArgumentException(model + " args: " + key + " has " + l.size()
                        + " entries, at most " + maxLength);
            }
            int[] r = new int[l.size()];
            for (int i = 0; i < r.length; i++) {
                Long n = wholeNumber(l.get(i));
                if (n == null) {
                    throw bad(key, "an integer or a list of integers");
                }
                r[i] = inRange(key, n, min, max);
            }
            return r;
        }
        throw bad(key, "an integer or a list of integers");
    }

    /** Whether the value is a single integer (not a list). */
    public boolean isInt(String key) {
        return wholeNumber(values.get(key)) != null;
    }

    /** A list of JSON objects (e.g. the CRF's {@code pairwise_kernels}); empty when absent. */
    public List<ModelArgs> getObjectList(String key) {
        return getObjectList(key, Integer.MAX_VALUE);
    }

    /** As {@link #getObjectList(String)}, with at most {@code maxLength} entries. */
    @SuppressWarnings("unchecked")
    public List<ModelArgs> getObjectList(String key, int maxLength) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw bad(key, "a list of objects");
        }
        if (l.size() > maxLength) {
            throw new IllegalArgumentException(model + " args: " + key + " has " + l.size() + " entries, at most "
                    + maxLength);
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
