package org.jpac.spark;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@code Transformer} that refines class scores with the PAC-CRF
 * ({@link CrfRefinement} per partition): columns {@code image} and {@code scores}
 * in, {@code refined} (probabilities as array images by default, or labels as
 * 16-bit PNG) and {@code error} out.
 */
public class JpacCrfRefiner extends JpacTransformer {

    private static final long serialVersionUID = 1L;

    /** The model used unless {@code model} is set: the bundled trained CRF. */
    public static final String DEFAULT_MODEL = "paccrf_synthetic";

    private final Param<String> imageCol;
    private final Param<String> scoresCol;
    private final DoubleParam scaleSpace;
    private final DoubleParam scaleColor;

    /** A transformer with a fresh uid. */
    public JpacCrfRefiner() {
        this(Identifiable.randomUID("jpacCrfRefiner"));
    }

    /** A transformer with this uid (Spark ML copies and reloads transformers through it). */
    public JpacCrfRefiner(String uid) {
        super(uid, DEFAULT_MODEL, "refined", OutputFormat.ARRAY);
        this.imageCol = new Param<>(this, "imageCol", "the guiding image column: PNG bytes or an array image");
        this.scoresCol = new Param<>(this, "scoresCol", "the class scores column: an array image [classes, H, W]");
        this.scaleSpace = new DoubleParam(this, "scaleSpace",
                "edge features: positions divided by this many pixels (unset: the model's own)");
        this.scaleColor = new DoubleParam(this, "scaleColor",
                "edge features: colours in [0, 1] divided by this (unset: the model's own)");
        setDefault(imageCol, "image");
        setDefault(scoresCol, "scores");
    }

    /** @return the image column parameter */
    public Param<String> imageCol() {
        return imageCol;
    }

    /** @return the scores column parameter */
    public Param<String> scoresCol() {
        return scoresCol;
    }

    /** @return the spatial scale parameter */
    public DoubleParam scaleSpace() {
        return scaleSpace;
    }

    /** @return the colour scale parameter */
    public DoubleParam scaleColor() {
        return scaleColor;
    }

    /** Sets the image column. */
    public JpacCrfRefiner setImageCol(String value) {
        set(imageCol, value);
        return this;
    }

    /** Sets the scores column. */
    public JpacCrfRefiner setScoresCol(String value) {
        set(scoresCol, value);
        return this;
    }

    /** Sets the edge features' scales: positions divided by {@code space} pixels, colours by {@code color}. */
    public JpacCrfRefiner setEdgeScales(double space, double color) {
        set(scaleSpace, space);
        set(scaleColor, color);
        return this;
    }

    private CrfRefinement.Settings settings(ModelSource m) {
        return new CrfRefinement.Settings(getOrDefault(imageCol), getOrDefault(scoresCol), getOutputCol(),
                getErrorCol(), getIdCol(), getOutputFormat(), m, isSet(scaleSpace) ? (Double) $(scaleSpace) : Double.NaN,
                isSet(scaleColor) ? (Double) $(scaleColor) : Double.NaN);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        CrfRefinement.outputSchema(df.schema(), settings(null));
        return CrfRefinement.apply(df, settings(modelSource(df.sparkSession())));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return CrfRefinement.outputSchema(schema, settings(null));
    }
}
