package org.jpac.spark;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@code Transformer} that upsamples depth guided by a colour image
 * ({@link DepthUpsampling} per partition): columns {@code guide} and {@code low}
 * in, {@code depth} (16-bit PNG by default) and {@code error} out.
 *
 * <pre>{@code
 * Dataset<Row> out = new JpacDepthUpsampler().setGuideCol("guide").setLowCol("low")
 *         .setModel("pac_upsample_x8").transform(pairs);
 * }</pre>
 */
public class JpacDepthUpsampler extends JpacTransformer {

    private static final long serialVersionUID = 1L;

    /** The bundled model used unless {@code model} is set. */
    public static final String DEFAULT_MODEL = "pac_upsample_x8";

    private final Param<String> guideCol;
    private final Param<String> lowCol;

    /** A transformer with a fresh uid. */
    public JpacDepthUpsampler() {
        this(Identifiable.randomUID("jpacDepthUpsampler"));
    }

    /** A transformer with this uid (Spark ML copies and reloads transformers through it). */
    public JpacDepthUpsampler(String uid) {
        super(uid, DEFAULT_MODEL, "depth", OutputFormat.PNG16);
        this.guideCol = new Param<>(this, "guideCol", "the colour image column: PNG bytes or an array image");
        this.lowCol = new Param<>(this, "lowCol", "the low-resolution depth column: PNG bytes or an array image");
        setDefault(guideCol, "guide");
        setDefault(lowCol, "low");
    }

    /** @return the guide column parameter */
    public Param<String> guideCol() {
        return guideCol;
    }

    /** @return the low-resolution depth column parameter */
    public Param<String> lowCol() {
        return lowCol;
    }

    /** Sets the guide column. */
    public JpacDepthUpsampler setGuideCol(String value) {
        set(guideCol, value);
        return this;
    }

    /** Sets the low-resolution depth column. */
    public JpacDepthUpsampler setLowCol(String value) {
        set(lowCol, value);
        return this;
    }

    private DepthUpsampling.Settings settings(ModelSource m) {
        return new DepthUpsampling.Settings(getOrDefault(guideCol), getOrDefault(lowCol), getOutputCol(),
                getErrorCol(), getIdCol(), getOutputFormat(), m);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        DepthUpsampling.outputSchema(df.schema(), settings(null)); // bad columns fail before the model is read
        return DepthUpsampling.apply(df, settings(modelSource(df.sparkSession())));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return DepthUpsampling.outputSchema(schema, settings(null));
    }
}
