package org.jpac.spark;

import java.io.Serializable;
import java.util.Iterator;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.jpac.io.images.Image;
import org.jpac.model.CrfRefiner;

/**
 * PAC-CRF refinement of per-pixel class scores as a partition function for
 * {@code Dataset.mapPartitions}: each row's scores are refined guided by its
 * image. Output rows: the input's columns, then the result and an error column
 * (one damaged row gets a message, the job goes on).
 *
 * <p>Image: PNG bytes or an array image in [0, 1]. Scores: an array image
 * [classes, H, W] of logits or log-probabilities (the number of classes is read
 * per row; the CRF for it is built once per JVM). Result: the class
 * probabilities as an array image ({@link OutputFormat#ARRAY}), or the most
 * probable class of each pixel as a 16-bit grey PNG ({@link OutputFormat#PNG16},
 * ties to the lower class).
 */
public final class CrfRefinement implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /**
     * What to run and where the columns are.
     *
     * @param imageCol the guiding image column
     * @param scoresCol the class scores column
     * @param outputCol the result column (added)
     * @param errorCol the error column (added; null when the row succeeded)
     * @param idCol a column naming each row in messages (empty: {@code path} when present)
     * @param format probabilities ({@code ARRAY}) or labels ({@code PNG16})
     * @param model the CRF
     * @param scaleSpace positions divided by this many pixels in the edge features (NaN: the model's own)
     * @param scaleColor colours divided by this in the edge features (NaN: the model's own)
     */
    public record Settings(String imageCol, String scoresCol, String outputCol, String errorCol, String idCol,
                           OutputFormat format, ModelSource model, double scaleSpace, double scaleColor)
            implements Serializable {
    }

    /** Settings with the defaults: probabilities as arrays in {@code refined}, the model's edge scales. */
    public static Settings settings(String imageCol, String scoresCol, ModelSource model) {
        return new Settings(imageCol, scoresCol, "refined", "error", "", OutputFormat.ARRAY, model, Double.NaN,
                Double.NaN);
    }

    // A scale is positive and finite, or NaN for the model's own (a weight file's learned scales).
    private static boolean validScale(double s) {
        return Double.isNaN(s) || (s > 0 && !Double.isInfinite(s));
    }

    private final Settings settings;
    private final int image;
    private final int scores;
    private final int id;

    /** The function for inputs of {@code inputSchema} (checked here, on the driver). */
    public CrfRefinement(Settings settings, StructType inputSchema) {
        outputSchema(inputSchema, settings);
        if (settings.model() == null) {
            throw new NullPointerException("settings.model");
        }
        if (!validScale(settings.scaleSpace()) || !validScale(settings.scaleColor())) {
            throw new IllegalArgumentException("scaleSpace, scaleColor: must be positive and finite, got "
                    + settings.scaleSpace() + ", " + settings.scaleColor());
        }
        this.settings = settings;
        this.image = inputSchema.fieldIndex(settings.imageCol());
        this.scores = inputSchema.fieldIndex(settings.scoresCol());
        this.id = RowMapping.idIndex(inputSchema, settings.idCol());
    }

    /** The schema of the output rows; throws naming the column when the input does not fit. */
    public static StructType outputSchema(StructType input, Settings s) {
        ImageColumns.requireImageColumn(input, s.imageCol());
        ImageColumns.requireImageColumn(input, s.scoresCol());
        RowMapping.idIndex(input, s.idCol());
        return RowMapping.withResult(input, s.outputCol(), s.format().sparkType(), s.errorCol());
    }

    /** Runs the refinement over a Dataset. */
    public static Dataset<Row> apply(Dataset<Row> input, Settings s) {
        StructType in = input.schema();
        return input.mapPartitions(new CrfRefinement(s, in), Encoders.row(outputSchema(in, s)));
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskThreads.apply();
        return RowMapping.map(rows, this::refine);
    }

    private RowMapping.Result refine(Row row) {
        try {
            Image img = ImageColumns.read(row.get(image), RowMapping.label(row, id, settings.imageCol()));
            Image sc = ImageColumns.read(row.get(scores), RowMapping.label(row, id, settings.scoresCol()));
            CrfRefiner crf = ExecutorModels.refiner(settings.model(), sc.channels(), settings.scaleSpace(),
                    settings.scaleColor());
            Image p = crf.refine(img, sc);
            Image out = settings.format() == OutputFormat.PNG16 ? labels(p) : p;
            return new RowMapping.Result(ImageColumns.write(out, settings.format()), null);
        } catch (Exception e) {
            return new RowMapping.Result(null, RowErrors.message(e));
        }
    }

    /** The most probable class of each pixel (ties to the lower class), as a one-channel image. */
    public static Image labels(Image probabilities) {
        int c = probabilities.channels();
        int n = probabilities.pixels();
        float[] p = probabilities.data();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (p[k * n + i] > p[best * n + i]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return Image.of(out, 1, probabilities.height(), probabilities.width());
    }
}
