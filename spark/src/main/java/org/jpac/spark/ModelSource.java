package org.jpac.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.jpac.model.BundledModels;
import org.jpac.model.CrfRefiner;
import org.jpac.model.DepthUpsampler;
import org.jpac.model.ModelWeights;

/**
 * Which model a job runs, as shipped to executors: a model bundled in jpac's
 * jar, the default PAC-CRF, or a weight file read once on the driver and
 * broadcast (each executor fetches it once). {@link #key()} identifies it, so
 * that an executor JVM builds each model once ({@link ExecutorModels}).
 */
public final class ModelSource implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The model spec of the default PAC-CRF ({@link CrfRefiner#defaults}). */
    public static final String CRF_DEFAULTS = "defaults";
    /** Weight files larger than this are refused on the driver (a broadcast holds them in memory). */
    public static final long MAX_WEIGHT_BYTES = 1L << 30;

    private enum Kind { BUNDLED, CRF_DEFAULTS, WEIGHTS }

    private final Kind kind;
    private final String name;
    private final String sha256;
    private final Broadcast<byte[]> weights;

    private ModelSource(Kind kind, String name, String sha256, Broadcast<byte[]> weights) {
        this.kind = kind;
        this.name = name;
        this.sha256 = sha256;
        this.weights = weights;
    }

    /** A model bundled in jpac's jar ({@link BundledModels#NAMES}). */
    public static ModelSource bundled(String name) {
        if (!BundledModels.exists(name)) {
            throw new IllegalArgumentException("model: no bundled model '" + name + "' (bundled: "
                    + BundledModels.NAMES + ")");
        }
        return new ModelSource(Kind.BUNDLED, name, null, null);
    }

    /** The default PAC-CRF for any number of classes (untrained; {@link CrfRefiner#defaults}). */
    public static ModelSource crfDefaults() {
        return new ModelSource(Kind.CRF_DEFAULTS, CRF_DEFAULTS, null, null);
    }

    /**
     * A weight file (safetensors with jpac's metadata) read on the driver
     * through Hadoop's file systems ({@code file:}, {@code hdfs:}, {@code s3a:}, ...)
     * and broadcast to the executors.
     */
    public static ModelSource weightFile(SparkSession spark, String path) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = p.getFileSystem(conf);
        long size = fs.getFileStatus(p).getLen();
        if (size > MAX_WEIGHT_BYTES) {
            throw new IllegalArgumentException("model: " + path + " has " + size + " bytes, more than "
                    + MAX_WEIGHT_BYTES + " (a weight file is broadcast whole)");
        }
        byte[] bytes;
        try (InputStream in = fs.open(p)) {
            bytes = in.readAllBytes();
        }
        return weights(spark, bytes, path);
    }

    /** Weight file bytes already in the driver's memory; {@code name} says where they came from. */
    public static ModelSource weights(SparkSession spark, byte[] bytes, String name) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("model: no weight bytes for " + name);
        }
        // checked here once, so that a file that is no model fails the job on the driver
        try {
            ModelWeights.read(new ByteArrayInputStream(bytes), name);
        } catch (IOException e) {
            throw new UncheckedIOException("model: " + e.getMessage(), e);
        }
        Broadcast<byte[]> b = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes);
        return new ModelSource(Kind.WEIGHTS, name, sha256(bytes), b);
    }

    /**
     * A model spec as the transformers take it: a bundled name, {@code defaults}
     * (the CRF) or a path Hadoop can open.
     */
    public static ModelSource resolve(SparkSession spark, String spec) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("model: empty (give a bundled name " + BundledModels.NAMES
                    + ", '" + CRF_DEFAULTS + "' or a weight file's path)");
        }
        if (BundledModels.exists(spec)) {
            return bundled(spec);
        }
        if (CRF_DEFAULTS.equals(spec)) {
            return crfDefaults();
        }
        return weightFile(spark, spec);
    }

    /** Identifies the model: equal keys, equal weights. */
    public String key() {
        return switch (kind) {
            case BUNDLED -> "bundled:" + name;
            case CRF_DEFAULTS -> CRF_DEFAULTS;
            case WEIGHTS -> "sha256:" + sha256;
        };
    }

    /** Builds the upsampler (on an executor; {@link ExecutorModels} caches it). */
    DepthUpsampler openUpsampler() throws IOException {
        return switch (kind) {
            case BUNDLED -> DepthUpsampler.from(BundledModels.read(name));
            case CRF_DEFAULTS -> throw new IllegalArgumentException("model: '" + CRF_DEFAULTS
                    + "' is the PAC-CRF, not an upsampler");
            case WEIGHTS -> DepthUpsampler.load(new ByteArrayInputStream(weights.value()), name);
        };
    }

    /** Builds the CRF for {@code classes} classes (on an executor). */
    CrfRefiner openRefiner(int classes) throws IOException {
        return switch (kind) {
            case BUNDLED -> CrfRefiner.from(BundledModels.read(name), classes);
            case CRF_DEFAULTS -> CrfRefiner.defaults(classes);
            case WEIGHTS -> CrfRefiner.load(new ByteArrayInputStream(weights.value()), name, classes);
        };
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return kind == Kind.WEIGHTS ? name + " (" + key() + ")" : key();
    }
}
