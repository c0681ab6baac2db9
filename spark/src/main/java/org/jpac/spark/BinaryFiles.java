package org.jpac.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Reading and writing folders of files as rows: Spark's {@code binaryFile}
 * source reads them; Spark has no writer for one file per row, so
 * {@link #write} writes each row's bytes from the executors through Hadoop's
 * file systems.
 */
public final class BinaryFiles {

    private BinaryFiles() {
    }

    /**
     * The files matching {@code glob} (e.g. {@code *.png}) in {@code dir} as rows
     * {@code name} (the file name), {@code path} and {@code content}, with the
     * content column renamed to {@code contentCol} and the path to {@code contentCol + "_path"}.
     */
    public static Dataset<Row> read(org.apache.spark.sql.SparkSession spark, String dir, String glob,
                                    String contentCol) {
        Dataset<Row> files = spark.read().format("binaryFile").option("pathGlobFilter", glob).load(dir);
        return files.select(
                functions.regexp_extract(functions.col("path"), "([^/]+)$", 1).as("name"),
                functions.col("path").as(contentCol + "_path"),
                functions.col("content").as(contentCol));
    }

    /**
     * Writes each row's {@code bytesCol} (skipping nulls) to {@code dir/<nameCol>};
     * file names must be plain names (no '/'). Returns nothing: the rows are
     * written by the executors, each file whole or not at all (temporary name, then rename).
     */
    public static void write(Dataset<Row> rows, String nameCol, String bytesCol, String dir) {
        ImageColumns.requireColumn(rows.schema(), nameCol);
        ImageColumns.requireColumn(rows.schema(), bytesCol);
        Dataset<Row> two = rows.select(functions.col(nameCol), functions.col(bytesCol));
        String target = dir;
        two.foreachPartition((ForeachPartitionFunction<Row>) it -> {
            Path base = new Path(target);
            FileSystem fs = base.getFileSystem(new Configuration());
            fs.setWriteChecksum(false); // no .NAME.crc beside each file on the local file system
            fs.mkdirs(base);
            while (it.hasNext()) {
                Row r = it.next();
                if (r.isNullAt(0) || r.isNullAt(1)) {
                    continue;
                }
                writeOne(fs, base, r.getString(0), (byte[]) r.get(1));
            }
        });
    }

    private static void writeOne(FileSystem fs, Path base, String name, byte[] bytes) {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new IllegalArgumentException("name: '" + name + "' is not a plain file name");
        }
        Path tmp = new Path(base, "." + name + ".tmp");
        Path dst = new Path(base, name);
        try {
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            fs.delete(dst, false);
            if (!fs.rename(tmp, dst)) {
                throw new IOException("cannot rename " + tmp + " to " + dst);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dst + ": " + e.getMessage(), e);
        }
    }
}
