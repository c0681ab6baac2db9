package org.jpac.cli;

import static org.jpac.cli.Cli.fails;
import static org.jpac.cli.Cli.has;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.io.WeightFiles;
import org.jpac.io.images.Image;
import org.jpac.io.images.Npy;
import org.jpac.io.images.NpyLayout;
import org.jpac.io.images.Pfm;
import org.jpac.io.images.PngFiles;
import org.jpac.nn.PacCRF;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values read from files: a small file never costs more than a moment
 * (architecture values bounded, networks no larger than their weights, sizes
 * compared from headers), and NaN or infinity never passes through silently
 * (refused with the count and the first position unless --allow-nonfinite).
 */
class FileValuesTest {

    private static final Duration FAST = Duration.ofSeconds(1);

    @TempDir
    static Path tmp;

    static Path guide;   // 64x48 RGB PNG
    static Path low;     // (6, 8) float32 depth in metres
    static Path scores;  // (5, 48, 64)
    static Path out;

    /** The CRF weights of {@link #crfArgs} with 5 steps, under metadata saying {@code steps}. */
    static Path crfWeights(String name, long steps) throws IOException {
        StateDict dict = new StateDict();
        try (PacCRF crf = PacCRF.fromArgs(crfArgs(5))) {
            crf.parameters().forEach(dict::put);
        }
        Path f = tmp.resolve(name);
        WeightFiles.save(f, dict, Map.of("model", "PacCRF", "args", crfArgs(steps)));
        return f;
    }

    static String crfArgs(long steps) {
        return "{\"channels\": 5, \"num_steps\": " + steps + ", \"final_output\": \"softmax\", \"pairwise_kernels\": "
                + "[{\"kernel_size\": 5, \"dilation\": 16, \"compat_type\": \"potts\", \"spatial_filter\": false}]}";
    }

    @BeforeAll
    static void files() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        low = tmp.resolve("low.npy");
        Npy.writeArray(low, s.lowDepth(8), 6, 8);
        scores = tmp.resolve("scores.npy");
        Npy.writeArray(scores, s.noisyScores(8, 0.5, 1), 5, 48, 64);
        out = tmp.resolve("out.npy");
        // warm up the path the timed runs take, with a file that fits
        Cli.Result r = Cli.run(crf(crfWeights("crf5.safetensors", 5)));
        assertEquals(0, r.code(), r.err());
    }

    private static String[] crf(Path weights) {
        return new String[] {"crf", "--image", guide.toString(), "--unary", scores.toString(), "--out",
                tmp.resolve("labels.npy").toString(), "--weights", weights.toString(), "--quiet"};
    }

    private static String[] up(String model, Path lowFile, String... extra) {
        return upTo(out, model, lowFile, extra);
    }

    private static String[] upTo(Path outFile, String model, Path lowFile, String... extra) {
        String[] base = {"upsample", "--guide", guide.toString(), "--low", lowFile.toString(), "--factor", "8",
                "--model", model, "--out", outFile.toString()};
        String[] a = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, a, base.length, extra.length);
        return a;
    }

    /** A (6, 8) array like {@link #low} with {@code values} at the given flat positions. */
    private static Path lowWith(String name, int[] at, float... values) throws IOException {
        float[] d = Npy.readArray(low).data();
        for (int i = 0; i < at.length; i++) {
            d[at[i]] = values[i];
        }
        Path f = tmp.resolve(name);
        Npy.writeArray(f, d, 6, 8);
        return f;
    }

    // ---- bounded before use --------------------------------------------------------------

    @Test
    void aCrfFileAskingForTwoBillionStepsIsRefusedAtOnce() throws IOException {
        Path f = crfWeights("crf2e9.safetensors", 2_000_000_000L);
        assertTimeoutPreemptively(FAST, () -> fails(1, has("--weights", "crf2e9.safetensors",
                "num_steps must be in 0..1000", "2000000000"), Arrays.copyOf(crf(f), crf(f).length - 1)));
    }

    @Test
    void upsamplerMetadataAskingForAMillionChannelsIsRefusedAtOnce() throws IOException {
        Path f = tmp.resolve("wide.safetensors");
        try (Tensor t = Tensor.of(new float[] {1}, 1)) {
            org.jpac.io.SafeTensors.write(f, Map.of("x", t), Map.of("model", "PacJointUpsample", "args",
                    "{\"factor\": 8, \"channels\": 1000000}"));
        }
        assertTimeoutPreemptively(FAST, () -> fails(1, has("--weights", "channels must be in 1..4096", "1000000"),
                up("pac", low, "--weights", f.toString())));
        Path g = tmp.resolve("wide4096.safetensors");
        try (Tensor t = Tensor.of(new float[] {1}, 1)) {
            org.jpac.io.SafeTensors.write(g, Map.of("x", t), Map.of("model", "PacJointUpsample", "args",
                    "{\"factor\": 8, \"guide_channels\": 4096, \"n_g_filters\": 4096}"));
        }
        // within the bounds, but far more than the file's one value: refused after allocating about that
        assertTimeoutPreemptively(FAST, () -> fails(1, has("--weights", "network of more than",
                "the file holds 1"), up("pac", low, "--weights", g.toString())));
    }

    @Test
    void sizesAreComparedFromTheHeadersBeforeAnyPixelIsDecoded() throws IOException {
        Path big = PngFiles.declaringSize(tmp.resolve("big.png"), 7000, 7000); // pixel data not even valid
        fails(1, has("--guide is 64x48 but --low is 7000x7000", "factor 8", "56000x56000 guide"),
                up("bilinear", big));
        fails(1, has("--guide is 7000x7000 but --in is 64x48", "same size"), "filter", "--in", guide.toString(),
                "--guide", big.toString(), "--sigma-space", "2", "--sigma-color", "0.1", "--out", out.toString());
        fails(1, has("--image is 7000x7000 but the scores in --unary are 64x48"), "crf", "--image", big.toString(),
                "--unary", scores.toString(), "--out", out.toString());
    }

    // ---- non-finite values ---------------------------------------------------------------

    @Test
    void nanOrInfInTheLowResolutionInputIsRefusedWithCountAndFirstPosition() throws IOException {
        Path bad = lowWith("lowNaN.npy", new int[] {2 * 8 + 3, 4 * 8 + 5}, Float.NaN, Float.POSITIVE_INFINITY);
        for (String model : new String[] {"bilinear", "jbu", "pac"}) {
            // with --no-holes NaN is no hole: both values are refused
            String line = fails(1, has("--low", "lowNaN.npy", "2 values are not finite", "the first at x 3, y 2, "
                    + "channel 0", "--allow-nonfinite"), up(model, bad, "--no-holes"));
            assertFalse(Files.exists(out), line);
            // by default NaN is a hole, and only the infinity is refused
            line = fails(1, has("--low", "lowNaN.npy", "1 value is not finite", "the first at x 5, y 4, "
                    + "channel 0"), up(model, bad));
            assertFalse(Files.exists(out), line);
        }
    }

    @Test
    void allowNonFiniteKeepsThemAndSaysSo() throws IOException {
        Path bad = lowWith("lowNaN2.npy", new int[] {2 * 8 + 3}, Float.NaN);
        Path o = tmp.resolve("kept.npy");
        Cli.Result r = Cli.run(upTo(o, "bilinear", bad, "--allow-nonfinite", "--no-holes", "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: --low " + bad + ": 1 value is not finite"), r.err());
        assertTrue(r.err().contains("kept (--allow-nonfinite)"), r.err());
        assertTrue(r.err().contains("warning: the result has"), r.err());
        float[] up = Npy.readArray(o).data();
        long nan = 0;
        for (float v : up) {
            nan += Float.isNaN(v) ? 1 : 0;
        }
        // the NaN spreads over the pixels whose interpolation reads it, and no further: the scaling ignores it
        assertTrue(nan > 0 && nan < 300, "NaN pixels: " + nan);
        assertTrue(Float.isFinite(up[0]) && Float.isFinite(up[up.length - 1]));
    }

    @Test
    void infInAPfmOrAGuideArrayIsRefused() throws IOException {
        float[] d = Npy.readArray(low).data();
        d[4 * 8 + 1] = Float.NEGATIVE_INFINITY;
        Path pfm = tmp.resolve("inf.pfm");
        Pfm.write(pfm, Image.of(d, 1, 6, 8));
        fails(1, has("--in", "inf.pfm", "1 value is not finite", "x 1, y 4, channel 0"), "filter", "--in",
                pfm.toString(), "--sigma-space", "1", "--sigma-color", "0.1", "--out", out.toString());
        float[] g = new float[48 * 64 * 3];
        g[2 * 48 * 64 + 10 * 64 + 7] = Float.NaN;
        Path guideNpy = tmp.resolve("guide.npy");
        Npy.write(guideNpy, Image.of(g, 3, 48, 64), NpyLayout.HWC);
        fails(1, has("--guide", "guide.npy", "1 value is not finite", "x 7, y 10, channel 2"),
                "upsample", "--guide", guideNpy.toString(), "--low", low.toString(), "--factor", "8", "--model",
                "jbu", "--out", out.toString());
    }

    @Test
    void aCrfOnAllNaNScoresIsRefusedInsteadOfWritingLabels() throws IOException {
        float[] nan = new float[5 * 48 * 64];
        Arrays.fill(nan, Float.NaN);
        Path u = tmp.resolve("nanScores.npy");
        Npy.writeArray(u, nan, 5, 48, 64);
        Path labels = tmp.resolve("labels.png");
        fails(1, has("--unary", "nanScores.npy", "15360 values are not finite", "x 0, y 0, channel 0"), "crf",
                "--image", guide.toString(), "--unary", u.toString(), "--out", labels.toString());
        assertFalse(Files.exists(labels));
    }

    /** JointBilateral 8x weights (a 31x31 window) with the given {@code convt.weight}. */
    private static Path jbuWeights(String name, float[] w) throws IOException {
        Path f = tmp.resolve(name);
        WeightFiles.save(f, new StateDict().put("convt.weight", w, 1, 1, 31, 31), Map.of("model", "JointBilateral",
                "args", "{\"factor\": 8, \"channels\": 1, \"kernel_size\": 31, \"scale_space\": 0.125, "
                        + "\"scale_color\": 10}"));
        return f;
    }

    @Test
    void weightsHoldingNaNOrValuesBeyondFloatAreRefused() throws IOException {
        float[] w = new float[31 * 31];
        Arrays.fill(w, 1);
        w[31 + 2] = Float.NaN;
        Path nanWeights = jbuWeights("nanJbu.safetensors", w);
        fails(1, has("--weights", "nanJbu.safetensors", "1 value is not finite", "'convt.weight' at [0, 0, 1, 2]"),
                up("jbu", low, "--weights", nanWeights.toString()));
        // a float64 file: 1e300 has no float32 value
        double[] big = new double[31 * 31];
        Arrays.fill(big, 1);
        big[5] = 1e300;
        Path f64 = tmp.resolve("f64Jbu.safetensors");
        writeF64(f64, "convt.weight", big, "[1,1,31,31]", "{\"model\":\"JointBilateral\",\"args\":\"{\\\"factor\\\": 8, "
                + "\\\"channels\\\": 1, \\\"kernel_size\\\": 31, \\\"scale_space\\\": 0.125, \\\"scale_color\\\": 10}\"}");
        fails(1, has("--weights", "1 value is not finite", "'convt.weight' at [0, 0, 0, 5]"),
                up("jbu", low, "--weights", f64.toString()));
        Cli.Result r = Cli.run(up("jbu", low, "--weights", f64.toString(), "--allow-nonfinite", "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("kept (--allow-nonfinite)"), r.err());
    }

    private static void writeF64(Path f, String name, double[] v, String shape, String metadata) throws IOException {
        String h = "{\"__metadata__\":" + metadata + ",\"" + name + "\":{\"dtype\":\"F64\",\"shape\":" + shape
                + ",\"data_offsets\":[0," + v.length * 8 + "]}}";
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        for (double x : v) {
            b.putDouble(x);
        }
        Files.write(f, b.array());
    }

    @Test
    void finiteInputsNearTheFloatLimitGiveAFiniteResult() throws IOException {
        float[] d = new float[6 * 8];
        for (int i = 0; i < d.length; i++) {
            d[i] = i % 2 == 0 ? -3e38f : 3e38f;
        }
        Path huge = tmp.resolve("huge.npy");
        Npy.writeArray(huge, d, 6, 8);
        Path o = tmp.resolve("hugeUp.npy");
        Cli.Result r = Cli.run(upTo(o, "bilinear", huge, "--quiet"));
        assertEquals(0, r.code(), r.err());
        for (float v : Npy.readArray(o).data()) {
            assertTrue(Float.isFinite(v) && Math.abs(v) <= 3.0001e38f, "value " + v);
        }
    }

    @Test
    void aResultThatLeavesTheFloatRangeIsNotWritten() throws IOException {
        float[] w = new float[31 * 31];
        Arrays.fill(w, 3e38f);
        Path hot = jbuWeights("hotJbu.safetensors", w);
        Path o = tmp.resolve("hot.npy");
        fails(1, has("the result has", "non-finite value", "nothing was written"), upTo(o, "jbu", low, "--weights",
                hot.toString()));
        assertFalse(Files.exists(o));
    }
}
