package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import org.jpac.TestSupport;
import org.jpac.Tensor;
import org.jpac.io.SafeTensors;
import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.jpac.io.images.Npy;
import org.jpac.io.images.NpyLayout;
import org.jpac.io.images.Png;
import org.jpac.nn.StdOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code upsample}, {@code filter} and {@code crf} on generated files, end to end. */
class CommandsEndToEndTest {

    @TempDir
    Path tmp;

    private static void ok(Cli.Result r) {
        assertEquals(0, r.code(), r.err());
    }

    private static float[] bilinear(float[] low, int c, int h, int w, int factor) {
        try (Tensor t = Tensor.of(low, 1, c, h, w); Tensor o = StdOps.resizeBilinearScale(t, factor)) {
            return o.toArray();
        }
    }

    @Test
    void upsampleBilinearKeeps16BitMillimetres() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        Path guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        Path low = Cli.depthPng(tmp.resolve("low.png"), s.lowDepth(8), 6, 8);
        Path out = tmp.resolve("up.png");
        ok(Cli.run("upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8", "--model",
                "bilinear", "--out", out.toString(), "--quiet"));
        Image up = Images.read(out);
        assertEquals(16, up.bitDepth());
        assertEquals(1, up.channels());
        assertEquals(48, up.height());
        assertEquals(64, up.width());
        float[] want = bilinear(Images.read(low).data(), 1, 6, 8, 8);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Math.round(want[i]), up.data()[i], 1.0, "pixel " + i);
        }
        // .npy output: float millimetres; with --depth-scale 1000: metres
        Path npy = tmp.resolve("up.npy");
        ok(Cli.run("upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8", "--model",
                "bilinear", "--out", npy.toString(), "--depth-scale", "1000", "--quiet"));
        Npy.Array a = Npy.readArray(npy);
        assertArrayEquals(new long[] {48, 64}, a.shape());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i] / 1000, a.data()[i], 1e-4);
        }
    }

    @Test
    void upsampleATwoChannelFlowField() throws IOException {
        int h = 5;
        int w = 7;
        Random r = new Random(3);
        float[] flow = new float[2 * h * w];
        for (int i = 0; i < flow.length; i++) {
            flow[i] = (float) (r.nextGaussian() * 4);
        }
        Path low = tmp.resolve("flow.npy");
        Npy.write(low, Image.of(flow, 2, h, w), NpyLayout.HWC); // (h, w, 2), as flow is usually stored
        Path guide = tmp.resolve("g.png");
        Png.write(guide, Image.of(new float[3 * h * 4 * w * 4], 3, h * 4, w * 4), 8);
        for (String model : new String[] {"bilinear", "jbu"}) {
            Path out = tmp.resolve(model + ".npy");
            ok(Cli.run("upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "4", "--model",
                    model, "--out", out.toString(), "--quiet"));
            assertArrayEquals(new long[] {h * 4, w * 4, 2}, Npy.readArray(out).shape(), model);
            Image back = Images.read(out);
            assertEquals(2, back.channels());
            if (model.equals("bilinear")) {
                float[] want = bilinear(flow, 2, h, w, 4);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], back.data()[i], 1e-4);
                }
            }
        }
    }

    @Test
    void upsampleWithGoldenWeightsMatchesTheReference() throws IOException {
        for (String[] c : new String[][] {{"pac", "PacJointUpsample_x4", "4"}, {"lite", "PacJointUpsampleLite_x8", "8"},
                {"djif", "DJIF_x4", "4"}, {"jbu", "JointBilateral_x4", "4"}}) {
            Path model = TestSupport.goldenDir().resolve("models/model_" + c[1] + ".safetensors");
            Path guide = tmp.resolve(c[1] + "_guide.npy");
            Path low = tmp.resolve(c[1] + "_low.npy");
            float[] want;
            try (SafeTensors st = SafeTensors.open(model)) {
                long[] g = st.entry("guide").shape();
                long[] l = st.entry("target_low").shape();
                Npy.writeArray(guide, st.readFloats("guide"), g[1], g[2], g[3]);
                Npy.writeArray(low, st.readFloats("target_low"), l[2], l[3]);
                want = st.readFloats("output");
            }
            Path out = tmp.resolve(c[1] + "_out.npy");
            ok(Cli.run("upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", c[2],
                    "--model", c[0], "--weights", model.toString(), "--raw", "--out", out.toString(), "--quiet"));
            float[] got = Images.read(out).data();
            double max = 0;
            for (float v : want) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4 * Math.max(1, max), c[1] + " pixel " + i);
            }
        }
    }

    @Test
    void bundledPacModelIsTheDefaultAt8xAndRefinesJbu() throws IOException {
        Path file = tmp.resolve("bundled.safetensors");
        // the default --sampling area picks the model trained for block averages alone
        try (java.io.InputStream in = getClass().getResourceAsStream("/models/pac_upsample_x8_area.safetensors")) {
            java.nio.file.Files.copy(in, file);
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals("PacJointUpsample", st.metadata().get("model"));
            assertEquals("jbu", st.metadata().get("target_residual"));
            assertEquals("area", st.metadata().get("sampling"));
        }
        Random r = new Random(5);
        float[] g = new float[3 * 64 * 64];
        for (int i = 0; i < g.length; i++) {
            g[i] = (i % 64 < 30 ? 0.2f : 0.8f) + 0.05f * (float) r.nextGaussian();
        }
        float[] l = new float[8 * 8];
        for (int i = 0; i < l.length; i++) {
            l[i] = i % 8 < 4 ? 0.1f : 0.9f;
        }
        Path guide = tmp.resolve("b_guide.npy");
        Path low = tmp.resolve("b_low.npy");
        Path out = tmp.resolve("b_out.npy");
        Npy.writeArray(guide, g, 3, 64, 64);
        Npy.writeArray(low, l, 8, 8);
        ok(Cli.run("upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8", "--model",
                "pac", "--raw", "--out", out.toString(), "--quiet"));
        float[] got = Images.read(out).data();
        // the network sees JBU's upsampling as a fourth guide channel and adds its correction to it
        try (org.jpac.nn.PacJointUpsample net = org.jpac.nn.PacJointUpsample.builder(8).guideChannels(4).build();
             Tensor lt = Tensor.of(l, 1, 1, 8, 8); Tensor gt = Tensor.of(g, 1, 3, 64, 64);
             Tensor jbu = org.jpac.nn.SampledJointBilateral.defaults(8, org.jpac.nn.Sampling.AREA).forward(lt, gt);
             Tensor g4 = StdOps.concatChannels(gt, jbu)) {
            net.loadStateDict(org.jpac.io.WeightFiles.load(file));
            try (Tensor o = net.forward(lt, g4); Tensor want = StdOps.add(o, jbu)) {
                float[] w = want.toArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], got[i], 1e-5, "pixel " + i);
                }
            }
        }
    }

    @Test
    void filterPreservesEdgesAndMatchesABilateralFilter() throws IOException {
        // a step edge: left 50, right 200 (8-bit grey); a small colour sigma keeps it
        int h = 12;
        int w = 16;
        float[] step = new float[h * w];
        for (int i = 0; i < step.length; i++) {
            step[i] = i % w < 7 ? 50 : 200;
        }
        Path in = tmp.resolve("step.png");
        Png.write(in, Image.of(step, 1, h, w), 8);
        Path out = tmp.resolve("f.png");
        ok(Cli.run("filter", "--in", in.toString(), "--sigma-space", "3", "--sigma-color", "0.05", "--out",
                out.toString(), "--quiet"));
        Image f = Images.read(out);
        assertEquals(8, f.bitDepth());
        assertArrayEquals(step, f.data());

        // random RGB guide, random float input: against a direct bilateral sum
        Random r = new Random(5);
        float[] g = new float[3 * h * w];
        float[] v = new float[h * w];
        for (int i = 0; i < g.length; i++) {
            g[i] = r.nextFloat();
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Path guide = tmp.resolve("g.npy");
        Npy.write(guide, Image.of(g, 3, h, w), NpyLayout.HWC);
        Path vin = tmp.resolve("v.npy");
        Npy.writeArray(vin, v, h, w);
        Path vout = tmp.resolve("vf.npy");
        double ss = 1.5;
        double sc = 0.3;
        ok(Cli.run("filter", "--in", vin.toString(), "--guide", guide.toString(), "--sigma-space", "1.5",
                "--sigma-color", "0.3", "--out", vout.toString(), "--quiet"));
        float[] got = Images.read(vout).data();
        int rad = FilterCommand.kernelSize(ss) / 2;
        assertEquals(3, rad);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double num = 0;
                double den = 0;
                for (int yy = Math.max(0, y - rad); yy <= Math.min(h - 1, y + rad); yy++) {
                    for (int xx = Math.max(0, x - rad); xx <= Math.min(w - 1, x + rad); xx++) {
                        double dc = 0;
                        for (int c = 0; c < 3; c++) {
                            double d = g[c * h * w + yy * w + xx] - g[c * h * w + y * w + x];
                            dc += d * d;
                        }
                        double dp = (yy - y) * (yy - y) + (xx - x) * (xx - x);
                        double wt = Math.exp(-dc / (2 * sc * sc) - dp / (2 * ss * ss));
                        num += wt * v[yy * w + xx];
                        den += wt;
                    }
                }
                assertEquals(num / den, got[y * w + x], 1e-4, "pixel " + y + "," + x);
            }
        }
    }

    @Test
    void crfRefinesANoisySegmentation() throws IOException {
        SyntheticScene s = SyntheticScene.render(96, 128);
        int c = SyntheticScene.CLASSES.length;
        int n = s.height * s.width;
        float[] scores = s.noisyScores(16, 0.9, 11);
        Path image = Cli.guidePng(tmp.resolve("image.png"), s);
        Path unary = tmp.resolve("scores.npy");
        Npy.writeArray(unary, scores, c, s.height, s.width);
        Path labels = tmp.resolve("labels.png");
        ok(Cli.run("crf", "--image", image.toString(), "--unary", unary.toString(), "--out", labels.toString(),
                "--quiet"));
        int[] size = new int[2];
        int[] got = Png.readIndices(labels, size);
        assertArrayEquals(new int[] {96, 128}, size);
        double before = Labels.meanIoU(Labels.argmax(scores, c, n), s.labels, c);
        double after = Labels.meanIoU(got, s.labels, c);
        assertTrue(after > before + 0.05, "mIoU " + before + " -> " + after);

        Path probs = tmp.resolve("p.npy");
        ok(Cli.run("crf", "--image", image.toString(), "--unary", unary.toString(), "--out", probs.toString(),
                "--probabilities", "--steps", "2", "--quiet"));
        Npy.Array p = Npy.readArray(probs);
        assertArrayEquals(new long[] {c, 96, 128}, p.shape());
        for (int i = 0; i < n; i += 97) {
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += p.data()[k * n + i];
            }
            assertEquals(1, sum, 1e-5);
        }
    }

    @Test
    void crfWithGoldenWeightsMatchesTheReference() throws IOException {
        Path model = TestSupport.goldenDir().resolve("models/model_PacCRF_5cls.safetensors");
        float[] edge;
        long[] es;
        float[] want;
        try (SafeTensors st = SafeTensors.open(model)) {
            edge = st.readFloats("edge_feat");
            es = st.entry("edge_feat").shape();
            want = st.readFloats("output"); // log_Q
        }
        int h = (int) es[2];
        int w = (int) es[3];
        int n = h * w;
        // edge_feat = [y / S, x / S, rgb]: S from its second row, the image from channels 2..4
        double scale = 1 / edge[w];
        Path image = tmp.resolve("img.npy");
        Npy.writeArray(image, java.util.Arrays.copyOfRange(edge, 2 * n, 5 * n), 3, h, w);
        Path out = tmp.resolve("p.npy");
        ok(Cli.run("crf", "--image", image.toString(), "--unary", model.toString(), "--weights", model.toString(),
                "--scale-space", Double.toString(scale), "--scale-color", "1", "--probabilities", "--out",
                out.toString(), "--quiet"));
        float[] got = Npy.readArray(out).data();
        int c = want.length / n;
        for (int i = 0; i < n; i++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                m = Math.max(m, want[k * n + i]);
            }
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += Math.exp(want[k * n + i] - m);
            }
            for (int k = 0; k < c; k++) {
                assertEquals(Math.exp(want[k * n + i] - m) / sum, got[k * n + i], 1e-4);
            }
        }
    }
}
