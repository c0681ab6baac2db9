package org.jpac.spark;

import java.io.IOException;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;

/**
 * Images in Spark columns: a binary column holds the bytes of a PNG file (as
 * the {@code binaryFile} source's {@code content} column does); a struct column
 * {@link #ARRAY_IMAGE} holds planar float samples with their shape.
 */
public final class ImageColumns {

    /**
     * {@code struct<channels:int, height:int, width:int, data:array<float>>}: samples
     * planar and row-major, channel c, row y, column x at {@code (c * height + y) * width + x}.
     * {@code data} may also be {@code array<double>} on input.
     */
    public static final StructType ARRAY_IMAGE = new StructType(new StructField[] {
        DataTypes.createStructField("channels", DataTypes.IntegerType, false),
        DataTypes.createStructField("height", DataTypes.IntegerType, false),
        DataTypes.createStructField("width", DataTypes.IntegerType, false),
        DataTypes.createStructField("data", DataTypes.createArrayType(DataTypes.FloatType, false), false),
    });

    private ImageColumns() {
    }

    /** Throws when a column of {@code schema} is missing or of a type no image can be read from. */
    public static void requireImageColumn(StructType schema, String column) {
        requireColumn(schema, column);
        DataType t = schema.apply(column).dataType();
        if (t.equals(DataTypes.BinaryType) || isArrayImage(t)) {
            return;
        }
        throw new IllegalArgumentException("column '" + column + "': expected binary (PNG bytes) or "
                + ARRAY_IMAGE.simpleString() + ", got " + t.simpleString());
    }

    /** Throws when {@code schema} has no column {@code column}. */
    public static void requireColumn(StructType schema, String column) {
        if (column == null || !List.of(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "': not in the input (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
    }

    /** Throws when {@code schema} already has {@code column} (an output would overwrite it). */
    public static void requireNewColumn(StructType schema, String column) {
        if (column == null || column.isEmpty()) {
            throw new IllegalArgumentException("output column: a name is needed");
        }
        if (List.of(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("column '" + column + "': already in the input; choose another "
                    + "output column name");
        }
    }

    private static boolean isArrayImage(DataType t) {
        if (!(t instanceof StructType s) || s.fields().length != 4) {
            return false;
        }
        String[] names = {"channels", "height", "width", "data"};
        for (int i = 0; i < 4; i++) {
            if (!s.fields()[i].name().equals(names[i])) {
                return false;
            }
        }
        return s.fields()[3].dataType() instanceof ArrayType a
                && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType));
    }

    /**
     * The image in a column value: PNG bytes decoded (samples as stored, e.g.
     * 0..65535 for 16 bits) or an array struct's floats. {@code name} says which
     * value it is in messages.
     */
    public static Image read(Object value, String name) throws IOException {
        if (value == null) {
            throw new IllegalArgumentException(name + ": no value (null)");
        }
        if (value instanceof byte[] png) {
            return Png.read(png, name);
        }
        if (value instanceof Row r) {
            return fromStruct(r, name);
        }
        throw new IllegalArgumentException(name + ": expected PNG bytes or an image struct, got "
                + value.getClass().getName());
    }

    private static Image fromStruct(Row r, String name) {
        if (r.isNullAt(0) || r.isNullAt(1) || r.isNullAt(2) || r.isNullAt(3)) {
            throw new IllegalArgumentException(name + ": channels, height, width and data must all be set");
        }
        int c = r.getInt(0);
        int h = r.getInt(1);
        int w = r.getInt(2);
        List<Object> data = r.getList(3);
        if (c < 1 || h < 1 || w < 1 || (long) c * h * w != data.size()) {
            throw new IllegalArgumentException(name + ": shape " + c + "x" + h + "x" + w + " does not match "
                    + data.size() + " samples");
        }
        float[] d = new float[data.size()];
        for (int i = 0; i < d.length; i++) {
            Object v = data.get(i);
            if (v == null) {
                throw new IllegalArgumentException(name + ": sample " + i + " is null");
            }
            d[i] = ((Number) v).floatValue();
        }
        return Image.of(d, c, h, w);
    }

    /** An image as a column value of {@code format}. */
    public static Object write(Image img, OutputFormat format) throws IOException {
        return switch (format) {
            case PNG16 -> Png.encode(img, 16);
            case ARRAY -> RowFactory.create(img.channels(), img.height(), img.width(),
                    scala.collection.immutable.ArraySeq.unsafeWrapArray(img.data()));
        };
    }

    /** The planar samples of an array-struct column value (as written by {@link #write}). */
    public static float[] samples(Row arrayImage) {
        List<Object> data = arrayImage.getList(3);
        float[] d = new float[data.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) data.get(i)).floatValue();
        }
        return d;
    }
}
