package org.jpac.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of the {@code train} and {@code eval} commands: {@code --name value},
 * {@code --name=value} and flags. Problems are {@link UsageError}s (exit code 2).
 */
final class OptionMap {

    /** A usage error: the message is printed with the usage line, exit code 2. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    private OptionMap() {
    }

    static OptionMap parse(String[] args, Set<String> valued, Set<String> flags) {
        OptionMap m = new OptionMap();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (!s.startsWith("--")) {
                throw new UsageError("unexpected argument '" + s + "' (options start with --)");
            }
            String name = s;
            String value = null;
            int eq = s.indexOf('=');
            if (eq > 0) {
                name = s.substring(0, eq);
                value = s.substring(eq + 1);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageError(name + " takes no value");
                }
                value = "true";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageError(name + " needs a value");
                    }
                    value = args[++i];
                }
            } else {
                Set<String> known = new TreeSet<>(valued);
                known.addAll(flags);
                throw new UsageError("unknown option '" + name + "' (known: " + String.join(" ", known) + ")");
            }
            if (m.values.put(name, value) != null) {
                throw new UsageError(name + " is given more than once");
            }
        }
        return m;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw new UsageError(name + " is required");
        }
        return v;
    }

    Path path(String name) {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Path.of(v);
        } catch (InvalidPathException e) { // e.g. a NUL character: a bad option, not a failure
            throw new UsageError(name + ": invalid path '" + v + "'");
        }
    }

    String choice(String name, String dflt, java.util.List<String> allowed) {
        String v = values.getOrDefault(name, dflt);
        if (v == null) {
            throw new UsageError(name + " is required (" + String.join("|", allowed) + ")");
        }
        if (!allowed.contains(v)) {
            throw new UsageError(name + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
        }
        return v;
    }

    int integer(String name, int dflt, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new UsageError(name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageError(name + " must be an integer, got '" + v + "'");
        }
    }

    long longValue(String name, long dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageError(name + " must be an integer, got '" + v + "'");
        }
    }

    double number(String name, double dflt, double min, double max) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d >= min && d <= max)) {
                throw new UsageError(name + " must be between " + min + " and " + max + ", got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageError(name + " must be a number, got '" + v + "'");
        }
    }
}
