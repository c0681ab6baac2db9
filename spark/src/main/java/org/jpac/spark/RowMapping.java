package org.jpac.spark;

import java.util.Arrays;
import java.util.Iterator;
import java.util.function.Function;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What the partition functions share: the output schema (the input's columns,
 * then a result and an error column) and a lazy row-by-row mapping, so a
 * partition streams through without being held in memory.
 */
final class RowMapping {

    private RowMapping() {
    }

    /** {@code input} with {@code outputCol} (nullable, of {@code type}) and {@code errorCol} (string) added. */
    static StructType withResult(StructType input, String outputCol, DataType type, String errorCol) {
        ImageColumns.requireNewColumn(input, outputCol);
        ImageColumns.requireNewColumn(input, errorCol);
        if (outputCol.equals(errorCol)) {
            throw new IllegalArgumentException("errorCol: must differ from the output column '" + outputCol + "'");
        }
        return input.add(outputCol, type, true).add(errorCol, DataTypes.StringType, true);
    }

    /** A result or an error message for one row. */
    record Result(Object value, String error) {
    }

    /** Each input row followed by its result and error, computed when the row is consumed. */
    static Iterator<Row> map(Iterator<Row> rows, Function<Row, Result> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row in = rows.next();
                Result r = f.apply(in);
                int n = in.length();
                Object[] v = Arrays.copyOf(rowValues(in), n + 2);
                v[n] = r.value();
                v[n + 1] = r.error();
                return RowFactory.create(v);
            }
        };
    }

    private static Object[] rowValues(Row in) {
        Object[] v = new Object[in.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.get(i);
        }
        return v;
    }

    /** The row's label in messages: {@code column} of the id column's value, when there is one. */
    static String label(Row row, int idIndex, String column) {
        if (idIndex < 0 || row.isNullAt(idIndex)) {
            return column;
        }
        return column + " of " + row.get(idIndex);
    }

    /** The index of {@code idCol} (empty: 'path' when the input has it, else none: -1). */
    static int idIndex(StructType schema, String idCol) {
        if (idCol == null || idCol.isEmpty()) {
            return Arrays.asList(schema.fieldNames()).contains("path") ? schema.fieldIndex("path") : -1;
        }
        ImageColumns.requireColumn(schema, idCol);
        return schema.fieldIndex(idCol);
    }
}
