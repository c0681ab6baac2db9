package org.jpac.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one command: {@code --name value}, {@code --name=value} and
 * flags ({@code --name}). Unknown options, missing values, repeated options and
 * positional arguments are usage errors ({@link CliException#usage}). The one
 * option parser of the command line (every command uses it).
 */
final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();

    private Args() {
    }

    /**
     * Parses {@code args}; {@code valued} are the options that take a value,
     * {@code flags} those that do not (names with their leading dashes).
     */
    static Args parse(String[] args, Set<String> valued, Set<String> flags) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (!s.startsWith("-") || s.equals("-")) {
                throw CliException.usage("unexpected argument '" + s + "' (options start with --)");
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
                    throw CliException.usage(name + " takes no value");
                }
                value = "true";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || valued.contains(args[i + 1]) || flags.contains(args[i + 1])) {
                        throw CliException.usage(name + " needs a value");
                    }
                    value = args[++i];
                }
            } else {
                Set<String> known = new TreeSet<>(valued);
                known.addAll(flags);
                throw CliException.usage("unknown option '" + name + "' (known: " + String.join(" ", known) + ")");
            }
            if (a.values.put(name, value) != null) {
                throw CliException.usage(name + " is given more than once");
            }
        }
        return a;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The value, or null when absent. */
    String string(String name) {
        return values.get(name);
    }

    /** The value, or {@code dflt} when absent. */
    String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw CliException.usage(name + " is required");
        }
        return v;
    }

    /**
     * One of {@code choices} (case-insensitive, returned in lower case), or
     * {@code dflt} when absent; absent with a null {@code dflt} is a usage error.
     */
    String choice(String name, String dflt, java.util.List<String> choices) {
        String v = choice(name, dflt, choices.toArray(String[]::new));
        if (v == null) {
            throw CliException.usage(name + " is required (" + String.join("|", choices) + ")");
        }
        return v;
    }

    /** One of {@code choices} (case-insensitive, returned in lower case), or {@code dflt} when absent. */
    String choice(String name, String dflt, String... choices) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        String l = v.toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(l)) {
                return c;
            }
        }
        throw CliException.usage(name + " must be one of " + String.join(", ", choices) + ", got '" + v + "'");
    }

    Path path(String name) {
        String v = values.get(name);
        return v == null ? null : toPath(name, v);
    }

    Path requiredPath(String name) {
        return toPath(name, required(name));
    }

    /** A file name given to option {@code name}; empty or invalid is a usage error. */
    static Path toPath(String name, String v) {
        if (v.isEmpty()) {
            throw CliException.usage(name + " needs a file name");
        }
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw CliException.usage(name + ": invalid path '" + v + "'");
        }
    }

    /** An integer in {@code [min, max]}, or {@code dflt} when absent. */
    int integer(String name, int dflt, int min, int max) {
        long n = longValue(name, dflt);
        if (n < min || n > max) {
            throw CliException.usage(name + " must be in " + min + ".." + max + ", got " + n);
        }
        return (int) n;
    }

    /** A whole number (any long), or {@code dflt} when absent. */
    long longValue(String name, long dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage(name + " must be an integer, got '" + v + "'");
        }
    }

    /** A number in {@code [min, max]}, or {@code dflt} when absent. */
    double number(String name, double dflt, double min, double max) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        double d = parseNumber(name, v);
        if (!(d >= min && d <= max)) {
            throw CliException.usage(name + " must be in " + min + ".." + max + ", got " + v);
        }
        return d;
    }

    /** A finite number {@code > 0} (or {@code >= 0} when {@code zeroOk}), or {@code dflt} when absent. */
    double positive(String name, double dflt, boolean zeroOk) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        double d = parseNumber(name, v);
        if (!Double.isFinite(d) || d < 0 || (d == 0 && !zeroOk)) {
            throw CliException.usage(name + " must be a " + (zeroOk ? "non-negative" : "positive")
                    + " number, got '" + v + "'");
        }
        return d;
    }

    /**
     * Bounds of a number option, as the usage text gives them: a value beyond them (a scale whose
     * quotient underflows float32, a sigma whose reciprocal overflows) fails here, not after the run.
     */
    record Range(double min, double max, String text) {
        /** Scales that divide or multiply samples: a 16-bit sample stays a normal float32 either way. */
        static final Range SCALE = new Range(1e-30, 1e30, "1e-30..1e30");
        /** Sigmas and feature scales: their reciprocals and squared quotients stay finite in float32. */
        static final Range SIGMA = new Range(1e-6, 1e6, "1e-6..1e6");
        /** CRF term weights. */
        static final Range WEIGHT = new Range(0, 1e6, "0..1e6");
    }

    /** As {@link #positive(String, double, boolean)} (not zero), and within {@code range}. */
    double positive(String name, double dflt, Range range) {
        double d = positive(name, dflt, false);
        if (d < range.min() || d > range.max()) {
            throw CliException.usage(name + " must be in " + range.text() + ", got '" + values.get(name) + "'");
        }
        return d;
    }

    private static double parseNumber(String name, String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage(name + " must be a number, got '" + v + "'");
        }
    }

    /** Comma-separated numbers {@code >= 0}; {@code dflt} when absent. */
    double[] numbers(String name, double[] dflt, int count) {
        return numbers(name, dflt, count, new Range(0, Double.MAX_VALUE, "0.."));
    }

    /** Comma-separated numbers within {@code range} (whose minimum is at least 0); {@code dflt} when absent. */
    double[] numbers(String name, double[] dflt, int count, Range range) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        String[] parts = v.split(",");
        if (parts.length != count) {
            throw CliException.usage(name + " needs " + count + " comma-separated numbers, got '" + v + "'");
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage(name + " needs numbers, got '" + v + "'");
            }
            if (!Double.isFinite(out[i]) || out[i] < 0) {
                throw CliException.usage(name + " needs finite non-negative numbers, got '" + v + "'");
            }
            if (out[i] < range.min() || out[i] > range.max()) {
                throw CliException.usage(name + " needs numbers in " + range.text() + ", got '" + v + "'");
            }
        }
        return out;
    }
}
