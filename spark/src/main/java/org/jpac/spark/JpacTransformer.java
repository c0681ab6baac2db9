package org.jpac.spark;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.SparkSession;

/**
 * The parameters the jpac transformers share: the model, the output and error
 * columns, the output format and the id column for messages.
 */
public abstract class JpacTransformer extends Transformer {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> outputCol;
    private final Param<String> errorCol;
    private final Param<String> outputFormat;
    private final Param<String> idCol;
    /** The last model spec resolved on this driver, and its source (a weight file is read and broadcast once). */
    private transient String resolvedSpec;
    private transient ModelSource resolved;

    /** Sets up the shared parameters with their defaults. */
    protected JpacTransformer(String uid, String defaultModel, String defaultOutputCol, OutputFormat defaultFormat) {
        this.uid = uid;
        this.model = new Param<>(this, "model", "a bundled model's name, '" + ModelSource.CRF_DEFAULTS
                + "' (the untrained PAC-CRF) or the path of a weight file that Hadoop can open");
        this.outputCol = new Param<>(this, "outputCol", "the result column (added)");
        this.errorCol = new Param<>(this, "errorCol", "the error column (added): null, or why the row failed");
        this.outputFormat = new Param<>(this, "outputFormat", "png16 (PNG bytes) or array (an array image)");
        this.idCol = new Param<>(this, "idCol", "a column that names each row in error messages (empty: 'path' "
                + "when the input has it)");
        setDefault(model, defaultModel);
        setDefault(outputCol, defaultOutputCol);
        setDefault(errorCol, "error");
        setDefault(outputFormat, defaultFormat.id());
        setDefault(idCol, "");
    }

    @Override
    public String uid() {
        return uid;
    }

    /** @return the model parameter */
    public Param<String> model() {
        return model;
    }

    /** @return the output column parameter */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** @return the error column parameter */
    public Param<String> errorCol() {
        return errorCol;
    }

    /** @return the output format parameter */
    public Param<String> outputFormat() {
        return outputFormat;
    }

    /** @return the id column parameter */
    public Param<String> idCol() {
        return idCol;
    }

    /** @return the model spec */
    public String getModel() {
        return getOrDefault(model);
    }

    /** @return the output column */
    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    /** @return the error column */
    public String getErrorCol() {
        return getOrDefault(errorCol);
    }

    /** @return the output format */
    public OutputFormat getOutputFormat() {
        return OutputFormat.parse(getOrDefault(outputFormat));
    }

    /** @return the id column (empty: automatic) */
    public String getIdCol() {
        return getOrDefault(idCol);
    }

    /** Sets the model: a bundled name, {@code defaults} (CRF) or a weight file's path. */
    public JpacTransformer setModel(String value) {
        set(model, value);
        return this;
    }

    /** Sets the output column. */
    public JpacTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** Sets the error column. */
    public JpacTransformer setErrorCol(String value) {
        set(errorCol, value);
        return this;
    }

    /** Sets the output format: {@code png16} or {@code array}. */
    public JpacTransformer setOutputFormat(String value) {
        OutputFormat.parse(value);
        set(outputFormat, value);
        return this;
    }

    /** Sets the column that names rows in error messages. */
    public JpacTransformer setIdCol(String value) {
        set(idCol, value == null ? "" : value);
        return this;
    }

    /** The model to ship to executors; a weight file is read and broadcast once per spec. */
    protected synchronized ModelSource modelSource(SparkSession spark) {
        String spec = getModel();
        if (resolved == null || !spec.equals(resolvedSpec)) {
            try {
                resolved = ModelSource.resolve(spark, spec);
            } catch (IOException e) {
                throw new UncheckedIOException("model: cannot read " + spec + ": " + e.getMessage(), e);
            }
            resolvedSpec = spec;
        }
        return resolved;
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
