package org.jpac.spark;

import java.util.Locale;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** How a result is stored in its column. */
public enum OutputFormat {
    /** The bytes of a 16-bit PNG file (binary column), samples rounded and clamped to 0..65535. */
    PNG16,
    /** A planar float array with its shape ({@link ImageColumns#ARRAY_IMAGE}). */
    ARRAY;

    /** {@code png16} or {@code array} (any case). */
    public static OutputFormat parse(String name) {
        if (name != null) {
            for (OutputFormat f : values()) {
                if (f.name().equalsIgnoreCase(name.trim())) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("outputFormat: expected 'png16' or 'array', got '" + name + "'");
    }

    /** The Spark type of a column of this format. */
    public DataType sparkType() {
        return this == PNG16 ? DataTypes.BinaryType : ImageColumns.ARRAY_IMAGE;
    }

    /** The name {@link #parse} reads. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
