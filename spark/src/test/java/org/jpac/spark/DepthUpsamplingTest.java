package org.jpac.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;
import org.jpac.model.DepthUpsampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upsampling transformer and partition function in local[2]: bit-identical to the library, bad rows fail alone. */
class DepthUpsamplingTest {

    private static final int H = 64;
    private static final int W = 48;
    private static final int PAIRS = 6;

    @TempDir
    static Path tmp;

    private static SparkSession spark;
    private static DepthUpsampler direct;

    @BeforeAll
    static void setUp() throws IOException {
        spark = LocalSpark.get();
        TestScenes.writePairs(tmp.resolve("in"), PAIRS, H, W, 8);
        // a damaged guide: the first half of a valid PNG
        byte[] good = Files.readAllBytes(tmp.resolve("in/guide/p00.png"));
        Files.write(tmp.resolve("in/guide/p99.png"), Arrays.copyOf(good, good.length / 2));
        Files.copy(tmp.resolve("in/low/p00.png"), tmp.resolve("in/low/p99.png"));
        direct = DepthUpsampler.bundled(8);
    }

    @AfterAll
    static void tearDown() {
        direct.close();
    }

    private static Dataset<Row> pairs() {
        String in = tmp.resolve("in").toString();
        return BinaryFiles.read(spark, in + "/guide", "*.png", "guide")
                .join(BinaryFiles.read(spark, in + "/low", "*.png", "low"), "name")
                .repartition(2);
    }

    private static byte[] directPng(Row r) throws IOException {
        Image g = Png.read((byte[]) r.getAs("guide"), "guide");
        Image l = Png.read((byte[]) r.getAs("low"), "low");
        return Png.encode(direct.upsample(g, l), 16);
    }

    @Test
    void transformerMatchesTheLibraryBitForBitAndADamagedFileFailsOnlyItsRow() throws IOException {
        List<Row> rows = new JpacDepthUpsampler().setIdCol("guide_path").transform(pairs()).collectAsList();
        assertEquals(PAIRS + 1, rows.size());
        int ok = 0;
        for (Row r : rows) {
            String name = r.getAs("name");
            if (name.equals("p99.png")) {
                assertNull(r.getAs("depth"));
                String err = r.getAs("error");
                assertNotNull(err);
                assertTrue(err.contains("p99.png") && err.contains("PNG") && !err.contains("\n"), err);
                continue;
            }
            assertNull(r.getAs("error"), name);
            assertArrayEquals(directPng(r), (byte[]) r.getAs("depth"), name);
            Image out = Png.read((byte[]) r.getAs("depth"), name);
            assertEquals(H, out.height());
            assertEquals(W, out.width());
            assertEquals(16, out.bitDepth());
            ok++;
        }
        assertEquals(PAIRS, ok);
    }

    @Test
    void arrayColumnsInAndOutMatchTheLibrary() throws IOException {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("guide", ImageColumns.ARRAY_IMAGE).add("low", ImageColumns.ARRAY_IMAGE);
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Image g = TestScenes.guide(H, W, i).normalized();
            Image l = TestScenes.depth(H / 8, W / 8, i).scaled(1000); // metres, as floats
            in.add(RowFactory.create(i, ImageColumns.write(g, OutputFormat.ARRAY), ImageColumns.write(l,
                    OutputFormat.ARRAY)));
        }
        // a row whose depth is not 1/8 of its guide: its own error, not the job's
        in.add(RowFactory.create(9, ImageColumns.write(TestScenes.guide(H, W, 9).normalized(), OutputFormat.ARRAY),
                ImageColumns.write(TestScenes.depth(5, 5, 9), OutputFormat.ARRAY)));
        Dataset<Row> df = spark.createDataFrame(in, schema).repartition(2);
        DepthUpsampling.Settings s = DepthUpsampling.settings("guide", "low", ModelSource.bundled("pac_upsample_x8"))
                .withFormat(OutputFormat.ARRAY).withOutput("up", "why");
        List<Row> rows = DepthUpsampling.apply(df, s).collectAsList();
        assertEquals(5, rows.size());
        for (Row r : rows) {
            int id = r.getAs("id");
            if (id == 9) {
                assertNull(r.getAs("up"));
                assertTrue(((String) r.getAs("why")).contains("IllegalArgumentException"), (String) r.getAs("why"));
                continue;
            }
            assertNull(r.getAs("why"));
            Image want = direct.upsample(TestScenes.guide(H, W, id).normalized(),
                    TestScenes.depth(H / 8, W / 8, id).scaled(1000));
            Row up = r.getAs("up");
            assertEquals(1, up.getInt(0));
            assertEquals(H, up.getInt(1));
            assertEquals(W, up.getInt(2));
            assertArrayEquals(want.data(), ImageColumns.samples(up), "row " + id);
        }
    }

    @Test
    void aUserModelIsBroadcastAndBuiltOncePerJvm() throws IOException {
        Path weights = tmp.resolve("mine.safetensors");
        try (InputStream in = DepthUpsampler.class.getResourceAsStream("/models/pac_upsample_x8.safetensors")) {
            Files.write(weights, in.readAllBytes());
        }
        JpacDepthUpsampler t = new JpacDepthUpsampler();
        t.setModel(weights.toString()).setIdCol("guide_path");
        int before = ExecutorModels.built();
        List<Row> first = t.transform(pairs().repartition(4)).collectAsList();
        List<Row> second = t.transform(pairs().repartition(3)).collectAsList();
        assertEquals(1, ExecutorModels.built() - before, "one model built for 7 partitions in two jobs");
        for (List<Row> rows : List.of(first, second)) {
            for (Row r : rows) {
                if (r.getAs("error") == null) {
                    assertArrayEquals(directPng(r), (byte[]) r.getAs("depth"));
                }
            }
        }
    }

    @Test
    void badColumnsAndModelsAreRefusedOnTheDriverNamingThem() {
        Dataset<Row> df = pairs();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JpacDepthUpsampler().setGuideCol("rgb").transform(df));
        assertTrue(e.getMessage().contains("'rgb'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new JpacDepthUpsampler().setLowCol("name").transform(df));
        assertTrue(e.getMessage().contains("'name'") && e.getMessage().contains("binary"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new JpacDepthUpsampler().setOutputCol("guide").transform(df));
        assertTrue(e.getMessage().contains("already"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new JpacDepthUpsampler().setOutputFormat("jpeg"));
        Exception m = assertThrows(Exception.class,
                () -> new JpacDepthUpsampler().setModel(tmp.resolve("none.safetensors").toString()).transform(df));
        assertTrue(m.getMessage().contains("none.safetensors"), m.getMessage());
    }

    @Test
    void transformSchemaAndCopyFollowSparkMl() {
        JpacDepthUpsampler t = new JpacDepthUpsampler();
        t.setOutputFormat("array");
        StructType out = t.transformSchema(pairs().schema());
        assertEquals(ImageColumns.ARRAY_IMAGE, out.apply("depth").dataType());
        assertEquals(DataTypes.StringType, out.apply("error").dataType());
        JpacDepthUpsampler c = (JpacDepthUpsampler) t.copy(new org.apache.spark.ml.param.ParamMap());
        assertEquals(t.uid(), c.uid());
        assertEquals(OutputFormat.ARRAY, c.getOutputFormat());
        assertTrue(Arrays.stream(t.params()).anyMatch(p -> p.name().equals("guideCol")));
    }
}
