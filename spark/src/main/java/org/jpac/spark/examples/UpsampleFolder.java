package org.jpac.spark.examples;

import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.jpac.spark.BinaryFiles;
import org.jpac.spark.JpacDepthUpsampler;

/**
 * The README's example: a folder of guide / low-resolution depth pairs in, a
 * folder of upsampled 16-bit depth PNGs out.
 *
 * <pre>
 * INPUT/guide/NAME.png   colour image (8 or 16 bits)
 * INPUT/low/NAME.png     depth at 1/8 of its size (16-bit, any unit)
 * OUTPUT/NAME.png        depth at the guide's size, same unit
 * </pre>
 *
 * <p>Arguments: {@code INPUT OUTPUT [MODEL]} (MODEL: a bundled name or a weight
 * file's path; default {@code pac_upsample_x8}). The master comes from
 * {@code spark-submit} ({@code --master}) or {@code -Dspark.master=local[2]}.
 * Rows that fail are listed on stdout with their reason; the job goes on.
 */
public final class UpsampleFolder {

    private UpsampleFolder() {
    }

    /** Runs the job; exit status 1 when some pair failed, 2 on a usage error. */
    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: UpsampleFolder INPUT OUTPUT [MODEL]  (INPUT/guide/*.png, INPUT/low/*.png)");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().appName("jpac upsample folder").getOrCreate();
        try {
            Summary s = run(spark, args[0], args[1], args.length > 2 ? args[2] : JpacDepthUpsampler.DEFAULT_MODEL);
            System.out.println(s.written() + " upsampled, " + s.failures().size() + " failed");
            s.failures().forEach(f -> System.out.println("failed: " + f));
            if (!s.failures().isEmpty()) {
                System.exit(1);
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * What a run did.
     *
     * @param written the pairs upsampled and written
     * @param failures one line per pair that failed: its name and why
     */
    public record Summary(long written, List<String> failures) {
    }

    /** Upsamples every pair under {@code input} into {@code output}. */
    public static Summary run(SparkSession spark, String input, String output, String model) {
        Dataset<Row> guides = BinaryFiles.read(spark, input + "/guide", "*.png", "guide");
        Dataset<Row> lows = BinaryFiles.read(spark, input + "/low", "*.png", "low");
        Dataset<Row> pairs = guides.join(lows, "name");
        Dataset<Row> out = new JpacDepthUpsampler().setGuideCol("guide").setLowCol("low")
                .setIdCol("guide_path").setModel(model).transform(pairs)
                .select("name", "depth", "error")
                .cache();
        try {
            BinaryFiles.write(out, "name", "depth", output);
            List<String> failures = out.where(functions.col("error").isNotNull())
                    .select(functions.concat_ws(": ", functions.col("name"), functions.col("error")))
                    .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            long written = out.where(functions.col("error").isNull()).count();
            return new Summary(written, failures);
        } finally {
            out.unpersist();
        }
    }
}
