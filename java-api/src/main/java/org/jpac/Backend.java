package org.jpac;

import java.util.Locale;

/** The backend a caller asks for: {@code auto}, {@code cpu} or {@code cuda}. */
public enum Backend {
    /** CUDA where it is available, else the CPU. */
    AUTO,
    /** The CPU backend (oneDNN and jpac's fused kernels). */
    CPU,
    /** The CUDA backend; an error where it is not available. */
    CUDA;

    /** System property that selects the backend; wins over {@link #ENV}. */
    public static final String PROPERTY = "jpac.backend";
    /** Environment variable that selects the backend. */
    public static final String ENV = "JPAC_BACKEND";

    /** Parses "auto", "cpu" or "cuda" (any case); {@code what} names the source in errors. */
    public static Backend parse(String value, String what) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException(
                    what + ": expected auto, cpu or cuda, got '" + value + "'");
        };
    }

    /** The backend requested by the property, else the environment, else AUTO. */
    public static Backend requested() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return parse(prop, "system property " + PROPERTY);
        }
        return parse(System.getenv(ENV), "environment variable " + ENV);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
