package org.jpac.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jpac.Jpac;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;
import org.jpac.model.CrfRefiner;
import org.junit.jupiter.api.Test;

/** The PAC-CRF transformer in local[2]: probabilities and labels equal the library's; threads follow the task CPUs. */
class CrfRefinementTest {

    private static final int H = 40;
    private static final int W = 36;

    private final SparkSession spark = LocalSpark.get();

    private Dataset<Row> scenes() throws IOException {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("image", DataTypes.BinaryType)
                .add("scores", ImageColumns.ARRAY_IMAGE);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int classes = i < 3 ? 3 : 5; // the class count is read per row
            rows.add(RowFactory.create(i, Png.encode(TestScenes.guide(H, W, i), 8),
                    ImageColumns.write(TestScenes.scores(classes, H, W, 50 + i), OutputFormat.ARRAY)));
        }
        // one class only: no CRF for it, an error for its row
        rows.add(RowFactory.create(7, Png.encode(TestScenes.guide(H, W, 7), 8),
                ImageColumns.write(TestScenes.scores(1, H, W, 57), OutputFormat.ARRAY)));
        // an image that is not a PNG
        rows.add(RowFactory.create(8, new byte[] {1, 2, 3},
                ImageColumns.write(TestScenes.scores(3, H, W, 58), OutputFormat.ARRAY)));
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    private static Image direct(int id) {
        int classes = id < 3 ? 3 : 5;
        try (CrfRefiner crf = CrfRefiner.bundled(classes)) {
            return crf.refine(TestScenes.guide(H, W, id), TestScenes.scores(classes, H, W, 50 + id));
        }
    }

    @Test
    void probabilitiesAndLabelsMatchTheLibraryAndBadRowsFailAlone() throws IOException {
        Dataset<Row> in = scenes();
        List<Row> probs = new JpacCrfRefiner().transform(in).collectAsList();
        JpacCrfRefiner labels = new JpacCrfRefiner();
        labels.setOutputFormat("png16").setOutputCol("labels");
        List<Row> labelRows = labels.transform(in).collectAsList();
        assertEquals(6, probs.size());
        assertEquals(6, labelRows.size());
        for (Row r : probs) {
            int id = r.getAs("id");
            if (id >= 7) {
                assertNull(r.getAs("refined"));
                String err = r.getAs("error");
                assertTrue(err.contains(id == 7 ? "classes" : "not a PNG"), err);
                continue;
            }
            assertNull(r.getAs("error"));
            assertArrayEquals(direct(id).data(), ImageColumns.samples(r.getAs("refined")), "row " + id);
        }
        for (Row r : labelRows) {
            int id = r.getAs("id");
            if (id < 7) {
                Image want = CrfRefinement.labels(direct(id));
                Image got = Png.read((byte[]) r.getAs("labels"), "labels");
                assertEquals(16, got.bitDepth());
                assertArrayEquals(want.data(), got.data(), "row " + id);
            }
        }
    }

    @Test
    void jpacThreadsFollowTheTaskCpus() {
        // one task, so nothing else changes the (JVM-wide) count in between
        List<Integer> seen = spark.range(0, 4, 1, 1).toDF().mapPartitions(
                (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Integer>) it -> {
                    Jpac.setThreads(3);
                    int cpus = TaskThreads.apply();
                    return List.of(cpus, Jpac.threads()).iterator();
                }, Encoders.INT()).collectAsList();
        assertEquals(List.of(1, 1), seen); // spark.task.cpus = 1 in LocalSpark
    }
}
