package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic generator, batches, and the dataset loaders with damaged and hostile files. */
class DataTest {

    @TempDir
    Path tmp;

    @Test
    void syntheticScenesAreDeterministicAndPlausible() {
        SyntheticRgbd a = new SyntheticRgbd(7);
        Sample s1 = a.scene(3, 40, 48);
        Sample s2 = new SyntheticRgbd(7).scene(3, 40, 48);
        assertArrayEquals(s1.guide(), s2.guide());
        assertArrayEquals(s1.target(), s2.target());
        assertFalse(java.util.Arrays.equals(s1.target(), a.scene(4, 40, 48).target()));
        assertFalse(java.util.Arrays.equals(s1.target(), new SyntheticRgbd(8).scene(3, 40, 48).target()));
        for (float v : s1.guide()) {
            assertTrue(v >= 0 && v <= 1, "colour " + v);
        }
        for (float d : s1.target()) {
            assertTrue(d >= 0.3 && d < 15, "depth " + d);
        }
        // depth edges: many neighbouring pixels differ by more than 0.3 m, and colour edges exist too
        int depthEdges = 0;
        int both = 0;
        for (long id = 0; id < 4; id++) {
            Sample s = a.scene(id, 64, 64);
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x + 1 < 64; x++) {
                    int i = y * 64 + x;
                    boolean de = Math.abs(s.target()[i] - s.target()[i + 1]) > 0.3;
                    double dc = 0;
                    for (int c = 0; c < 3; c++) {
                        dc += Math.abs(s.guide()[c * 4096 + i] - s.guide()[c * 4096 + i + 1]);
                    }
                    depthEdges += de ? 1 : 0;
                    both += de && dc > 0.05 ? 1 : 0;
                }
            }
        }
        assertTrue(depthEdges > 50, "depth edges " + depthEdges);
        assertTrue(both > depthEdges / 2 && both < depthEdges, "colour edges at " + both + " of " + depthEdges
                + " depth edges: mostly but not always");
    }

    @Test
    void batchesAreAreaDownsampledAndReproducible() {
        DataStream d = new DataStream(new SyntheticRgbd(1), 1, 3, 16, 4, 5);
        try (Batch b = d.batch(7); Batch again = d.batch(7); Batch other = d.batch(8)) {
            assertArrayEquals(new long[] {3, 3, 16, 16}, b.guide().shape());
            assertArrayEquals(new long[] {3, 1, 16, 16}, b.target().shape());
            assertArrayEquals(new long[] {3, 1, 4, 4}, b.targetLow().shape());
            assertArrayEquals(b.target().toArray(), again.target().toArray());
            assertFalse(java.util.Arrays.equals(b.target().toArray(), other.target().toArray()));
            float[] t = b.target().toArray();
            double sum = 0;
            for (int y = 4; y < 8; y++) {
                for (int x = 8; x < 12; x++) {
                    sum += t[256 + y * 16 + x]; // image 1
                }
            }
            assertEquals(sum / 16, b.targetLow().get(1, 0, 1, 2), 1e-5);
        }
        // flow: the low-resolution target is divided by the factor
        Sample s = new Sample(new float[3 * 4], new float[] {8, 8, 8, 8, 4, 4, 4, 4}, 2, 2, 2);
        try (Batch b = Batch.of(List.of(s), 2, true)) {
            assertArrayEquals(new float[] {4, 2}, b.targetLow().toArray());
        }
    }

    @Test
    void folderEpochsVisitEveryImageOnce() throws IOException {
        Path dir = nyu(5, 16, 16);
        NyuDepth src = new NyuDepth(dir);
        assertEquals(5, src.size());
        DataStream d = new DataStream(src, 2, 2, 8, 2, 0);
        assertEquals(3, d.stepsPerEpoch());
        java.util.Set<Float> firstPixels = new java.util.HashSet<>();
        for (long step = 0; step < 3; step++) {
            try (Batch b = d.batch(step)) {
                for (int n = 0; n < 2; n++) {
                    firstPixels.add(b.guide().get(n, 0, 0, 0)); // each image has its own red level
                }
            }
        }
        assertTrue(firstPixels.size() >= 5, "every image seen in one epoch: " + firstPixels);
        Sample img = src.image(0);
        assertEquals(1.234f, img.target()[0], 1e-6); // 1234 mm
    }

    /** A folder of n rgb/depth PNG pairs; image i has red level 10*(i+1)/255 and depth 1234 mm + i. */
    private Path nyu(int n, int h, int w) throws IOException {
        Path dir = tmp.resolve("nyu");
        Files.createDirectories(dir.resolve("rgb"));
        Files.createDirectories(dir.resolve("depth"));
        for (int i = 0; i < n; i++) {
            BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            BufferedImage dep = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rgb.setRGB(x, y, (10 * (i + 1)) << 16 | (x * 8) << 8 | y * 8);
                    dep.getRaster().setSample(x, y, 0, 1234 + i + x);
                }
            }
            ImageIO.write(rgb, "png", dir.resolve("rgb").resolve(String.format("%04d.png", i)).toFile());
            ImageIO.write(dep, "png", dir.resolve("depth").resolve(String.format("%04d.png", i)).toFile());
        }
        return dir;
    }

    @Test
    void hostilePngFiles() throws IOException {
        Path dir = nyu(1, 8, 8);
        Path depth = dir.resolve("depth").resolve("0000.png");
        Path rgb = dir.resolve("rgb").resolve("0000.png");
        byte[] good = Files.readAllBytes(depth);
        // not a PNG
        Files.writeString(depth, "hello, this is not an image at all.......");
        assertTrue(assertThrows(IOException.class, () -> new NyuDepth(dir).image(0)).getMessage()
                .contains("not a PNG"));
        // a header claiming 100000 x 100000 pixels
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge, 16, 8).putInt(100000).putInt(100000);
        Files.write(depth, huge);
        assertTrue(assertThrows(IOException.class, () -> new NyuDepth(dir).image(0)).getMessage()
                .contains("outside the allowed"));
        // truncated data
        Files.write(depth, java.util.Arrays.copyOf(good, good.length / 2));
        assertThrows(IOException.class, () -> new NyuDepth(dir).image(0));
        // an 8-bit depth image is not millimetres
        Files.copy(rgb, depth, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(assertThrows(IOException.class, () -> new NyuDepth(dir).image(0)).getMessage()
                .contains("16-bit"));
        // sizes that differ
        BufferedImage small = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
        ImageIO.write(small, "png", depth.toFile());
        assertTrue(assertThrows(IOException.class, () -> new NyuDepth(dir).image(0)).getMessage()
                .contains("but depth/"));
        Files.write(depth, good);
        assertEquals(8, new NyuDepth(dir).image(0).width());
        assertThrows(IOException.class, () -> new NyuDepth(tmp.resolve("nothing")));
    }

    @Test
    void aDamagedPalettePngIsNamedInTheError() throws IOException {
        // colour type 3 without its PLTE chunk: ImageIO's "Error reading PNG metadata" named no file
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(4).putInt(4).put((byte) 8).put((byte) 3).array());
        ByteArrayOutputStream rows = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(rows)) {
            z.write(new byte[4 * (1 + 4)]); // filter 0 and four palette indices per row
        }
        chunk(png, "IDAT", rows.toByteArray());
        chunk(png, "IEND", new byte[0]);
        Path f = tmp.resolve("pal.png");
        Files.write(f, png.toByteArray());
        IOException e = assertThrows(IOException.class, () -> ImageFiles.readRgb(f, new int[2]));
        assertTrue(e.getMessage().startsWith(f + ": cannot decode the PNG"), e.getMessage());
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        png.write(ByteBuffer.allocate(4).putInt(data.length).array());
        png.write(t);
        png.write(data);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void floFilesRoundTripAndRejectHostileOnes() throws IOException {
        Path f = tmp.resolve("a.flo");
        float[] data = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
        FloFile.write(f, new FloFile.Flow(data, 2, 3));
        FloFile.Flow back = FloFile.read(f);
        assertEquals(2, back.height());
        assertEquals(3, back.width());
        assertArrayEquals(data, back.data());
        byte[] good = Files.readAllBytes(f);

        byte[] magic = good.clone();
        magic[0] = 'X';
        Files.write(f, magic);
        assertTrue(assertThrows(IOException.class, () -> FloFile.read(f)).getMessage().contains("magic"));

        byte[] dims = good.clone();
        ByteBuffer.wrap(dims).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1 << 30).putInt(8, 1 << 30);
        Files.write(f, dims);
        assertTrue(assertThrows(IOException.class, () -> FloFile.read(f)).getMessage().contains("outside"));

        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -3);
        Files.write(f, negative);
        assertThrows(IOException.class, () -> FloFile.read(f));

        Files.write(f, java.util.Arrays.copyOf(good, good.length - 4));
        assertTrue(assertThrows(IOException.class, () -> FloFile.read(f)).getMessage().contains("bytes"));

        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(12, Float.NaN);
        Files.write(f, nan);
        assertTrue(assertThrows(IOException.class, () -> FloFile.read(f)).getMessage().contains("not finite"));

        Files.write(f, new byte[5]);
        assertThrows(IOException.class, () -> FloFile.read(f));
    }

    @Test
    void sintelLayout() throws IOException {
        Path root = tmp.resolve("sintel").resolve("training");
        Files.createDirectories(root.resolve("flow").resolve("alley_1"));
        Files.createDirectories(root.resolve("clean").resolve("alley_1"));
        float[] flow = new float[2 * 4 * 6];
        for (int i = 0; i < flow.length; i++) {
            flow[i] = i;
        }
        FloFile.write(root.resolve("flow/alley_1/frame_0001.flo"), new FloFile.Flow(flow, 4, 6));
        ImageIO.write(new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB), "png",
                root.resolve("clean/alley_1/frame_0001.png").toFile());
        SintelFlow s = new SintelFlow(tmp.resolve("sintel"), "clean");
        assertEquals(1, s.size());
        assertEquals(2, s.targetChannels());
        Sample whole = s.sample(0, 0, new SplittableRandom(1));
        assertArrayEquals(flow, whole.target());
        assertEquals(4, s.sample(0, 4, new SplittableRandom(1)).height());
        assertThrows(IOException.class, () -> s.sample(0, 8, new SplittableRandom(1)));
    }
}
