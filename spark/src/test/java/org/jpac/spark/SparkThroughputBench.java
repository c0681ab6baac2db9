package org.jpac.spark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jpac.Jpac;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;
import org.jpac.model.DepthUpsampler;

/**
 * Rows per second of {@link JpacDepthUpsampler} in local[1] and local[2] against
 * the library called directly on the same rows (PNG decode, 8x upsampling,
 * 16-bit PNG encode per row). Not a test: run by hand (see bench/RESULTS.md),
 * {@code SparkThroughputBench [HEIGHT WIDTH ROWS ROUNDS]}.
 *
 * <p>Each round runs every case once, one after the other (a Spark session is
 * started, warmed up with one run, timed on the next, and stopped), so that a
 * machine whose load changes affects all cases alike; the medians over rounds
 * are printed. Besides wall time, the JVM's CPU time per row is printed: in
 * local mode the driver and the executor are this one JVM, so the CPU time
 * Spark adds per row is the overhead, whatever else the machine runs.
 */
public final class SparkThroughputBench {

    private SparkThroughputBench() {
    }

    /** Wall and process CPU seconds of one run. */
    private record Times(double wall, double cpu) {
    }

    public static void main(String[] args) throws IOException {
        int h = args.length > 0 ? Integer.parseInt(args[0]) : 480;
        int w = args.length > 1 ? Integer.parseInt(args[1]) : 640;
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<byte[][]> pairs = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            pairs.add(new byte[][] {Png.encode(TestScenes.guide(h, w, i), 8),
                Png.encode(TestScenes.depth(h / 8, w / 8, 100 + i), 16)});
        }
        System.out.printf("%dx%d guide, %d rows, %d rounds; jpac cpu isa %s, %d processors%n", w, h, rows, rounds,
                Jpac.cpuIsa(), Runtime.getRuntime().availableProcessors());
        Map<String, List<Times>> results = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int threads : new int[] {1, 2}) {
                direct(pairs, threads); // warm-up
                results.computeIfAbsent("direct, jpac threads " + threads, k -> new ArrayList<>())
                        .add(time(() -> direct(pairs, threads)));
            }
            for (String master : new String[] {"local[1]", "local[2]"}) {
                results.computeIfAbsent("spark " + master + ", spark.task.cpus 1", k -> new ArrayList<>())
                        .add(spark(master, pairs));
            }
            System.out.printf("round %d done, load average %.1f%n", r + 1,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
        System.out.println("| case | rows/s (median) | ms/row wall | ms/row JVM CPU | runs (s) |");
        System.out.println("|---|---:|---:|---:|---|");
        results.forEach((name, ts) -> {
            double wall = median(ts.stream().mapToDouble(Times::wall).toArray());
            double cpu = median(ts.stream().mapToDouble(Times::cpu).toArray());
            StringBuilder runs = new StringBuilder();
            ts.forEach(t -> runs.append(runs.isEmpty() ? "" : ", ").append(String.format("%.2f", t.wall())));
            System.out.printf("| %s | %.2f | %.1f | %.1f | %s |%n", name, rows / wall, 1000 * wall / rows,
                    1000 * cpu / rows, runs);
        });
    }

    private interface Run {
        void run() throws IOException;
    }

    private static Times time(Run r) throws IOException {
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        r.run();
        return new Times((System.nanoTime() - t0) / 1e9, (cpuNanos() - c0) / 1e9);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static Times spark(String master, List<byte[][]> pairs) throws IOException {
        SparkSession spark = SparkSession.builder().master(master).appName("jpac-spark bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            StructType schema = new StructType().add("guide", DataTypes.BinaryType).add("low", DataTypes.BinaryType);
            List<Row> data = new ArrayList<>();
            pairs.forEach(p -> data.add(RowFactory.create(p[0], p[1])));
            int parts = master.equals("local[1]") ? 1 : 2;
            Dataset<Row> df = spark.createDataFrame(data, schema).repartition(parts).cache();
            df.count(); // the rows are in memory before anything is timed
            JpacDepthUpsampler up = new JpacDepthUpsampler();
            Run job = () -> up.transform(df).write().format("noop").mode("overwrite").save();
            job.run(); // warm-up
            return time(job);
        } finally {
            spark.stop();
        }
    }

    /** The library on the same rows, on a thread of its own, as Spark's tasks run. */
    private static void direct(List<byte[][]> pairs, int threads) throws IOException {
        IOException[] failure = new IOException[1];
        Thread t = new Thread(() -> {
            try {
                directHere(pairs, threads);
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "direct");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void directHere(List<byte[][]> pairs, int threads) throws IOException {
        Jpac.setThreads(threads);
        DepthUpsampler up = ExecutorModels.upsampler(ModelSource.bundled(JpacDepthUpsampler.DEFAULT_MODEL));
        for (byte[][] p : pairs) {
            Image g = Png.read(p[0], "guide");
            Image l = Png.read(p[1], "low");
            Png.encode(up.upsample(g, l), 16);
        }
    }
}
