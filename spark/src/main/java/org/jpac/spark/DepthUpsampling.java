package org.jpac.spark;

import java.io.Serializable;
import java.util.Iterator;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.jpac.io.images.Image;
import org.jpac.model.DepthUpsampler;

/**
 * Joint depth upsampling as a partition function for {@code Dataset.mapPartitions}:
 * each row's low-resolution depth is upsampled guided by its colour image. The
 * output rows are the input's columns, then the result and an error column; a
 * row whose inputs cannot be read or used gets a null result and a one-line
 * message instead of failing the job.
 *
 * <pre>{@code
 * DepthUpsampling.Settings s = DepthUpsampling.settings("guide", "low", ModelSource.bundled("pac_upsample_x8"));
 * Dataset<Row> out = DepthUpsampling.apply(pairs, s);
 * // or: pairs.mapPartitions(new DepthUpsampling(s, pairs.schema()), Encoders.row(DepthUpsampling.outputSchema(pairs.schema(), s)))
 * }</pre>
 *
 * <p>Guide: PNG bytes (8 or 16 bits, taken to [0, 1]) or an array image in [0, 1].
 * Low-resolution depth: PNG bytes (samples as stored, e.g. millimetres in a
 * 16-bit PNG) or an array image, 1/factor of the guide's size. The result is in
 * the depth's unit: a 16-bit PNG ({@link OutputFormat#PNG16}) or an array image.
 */
public final class DepthUpsampling implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /**
     * What to run and where the columns are.
     *
     * @param guideCol the colour image column
     * @param lowCol the low-resolution depth column
     * @param outputCol the result column (added)
     * @param errorCol the error column (added; null when the row succeeded)
     * @param idCol a column naming each row in messages (empty: {@code path} when present)
     * @param format how the result is stored
     * @param model the upsampler
     */
    public record Settings(String guideCol, String lowCol, String outputCol, String errorCol, String idCol,
                           OutputFormat format, ModelSource model) implements Serializable {
        /** The same settings with another output format. */
        public Settings withFormat(OutputFormat f) {
            return new Settings(guideCol, lowCol, outputCol, errorCol, idCol, f, model);
        }

        /** The same settings with other output and error column names. */
        public Settings withOutput(String output, String error) {
            return new Settings(guideCol, lowCol, output, error, idCol, format, model);
        }
    }

    /** Settings with the defaults: output {@code depth} as 16-bit PNG, errors in {@code error}. */
    public static Settings settings(String guideCol, String lowCol, ModelSource model) {
        return new Settings(guideCol, lowCol, "depth", "error", "", OutputFormat.PNG16, model);
    }

    private final Settings settings;
    private final int guide;
    private final int low;
    private final int id;

    /** The function for inputs of {@code inputSchema} (checked here, on the driver). */
    public DepthUpsampling(Settings settings, StructType inputSchema) {
        outputSchema(inputSchema, settings);
        if (settings.model() == null) {
            throw new NullPointerException("settings.model");
        }
        this.settings = settings;
        this.guide = inputSchema.fieldIndex(settings.guideCol());
        this.low = inputSchema.fieldIndex(settings.lowCol());
        this.id = RowMapping.idIndex(inputSchema, settings.idCol());
    }

    /** The schema of the output rows; throws naming the column when the input does not fit. */
    public static StructType outputSchema(StructType input, Settings s) {
        ImageColumns.requireImageColumn(input, s.guideCol());
        ImageColumns.requireImageColumn(input, s.lowCol());
        RowMapping.idIndex(input, s.idCol());
        return RowMapping.withResult(input, s.outputCol(), s.format().sparkType(), s.errorCol());
    }

    /** Runs the upsampling over a Dataset. */
    public static Dataset<Row> apply(Dataset<Row> input, Settings s) {
        StructType in = input.schema();
        return input.mapPartitions(new DepthUpsampling(s, in), Encoders.row(outputSchema(in, s)));
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskThreads.apply();
        DepthUpsampler up = ExecutorModels.upsampler(settings.model());
        return RowMapping.map(rows, row -> upsample(up, row));
    }

    private RowMapping.Result upsample(DepthUpsampler up, Row row) {
        try {
            Image g = ImageColumns.read(row.get(guide), RowMapping.label(row, id, settings.guideCol()));
            Image l = ImageColumns.read(row.get(low), RowMapping.label(row, id, settings.lowCol()));
            return new RowMapping.Result(ImageColumns.write(up.upsample(g, l), settings.format()), null);
        } catch (Exception e) {
            return new RowMapping.Result(null, RowErrors.message(e));
        }
    }
}
