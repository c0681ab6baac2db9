package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.jpac.io.WeightFiles;
import org.jpac.io.images.Images;
import org.jpac.model.BundledModels;
import org.jpac.model.ModelWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jpac upsample}: zeros in 16-bit depth are holes, --no-holes, --sampling. */
class UpsampleHolesTest {

    @TempDir
    Path tmp;

    private Path guide;
    private Path low;
    private float smallest;

    private void scene() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        float[] d = s.lowDepth(8);
        smallest = Float.MAX_VALUE;
        for (float v : d) {
            smallest = Math.min(smallest, v);
        }
        for (int i = 0; i < d.length; i += 4) {
            d[i] = 0; // a sensor's "no reading"
        }
        low = Cli.depthPng(tmp.resolve("low.png"), d, 6, 8);
    }

    private float minOf(Path out) throws IOException {
        float m = Float.MAX_VALUE;
        for (float v : Images.read(out).data()) {
            m = Math.min(m, v);
        }
        return m;
    }

    private Cli.Result up(String model, String out, String... extra) {
        String[] base = {"upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8", "--model",
            model, "--out", tmp.resolve(out).toString()};
        String[] a = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, a, base.length, extra.length);
        return Cli.run(a);
    }

    @Test
    void zerosAreHolesThatNoMethodPullsTowardZero() throws IOException {
        scene();
        for (String model : new String[] {"bilinear", "jbu", "pac"}) {
            for (String sampling : new String[] {"area", "center"}) {
                Cli.Result r = up(model, model + sampling + ".png", "--sampling", sampling);
                if (model.equals("pac") && !ModelWeightsSamplings.bundledX8Has(sampling)) {
                    assertEquals(1, r.code(), r.err());
                    continue;
                }
                assertEquals(0, r.code(), r.err());
                assertTrue(r.err().contains("12 of 48 low-resolution samples (25.0%) are holes (0)"), r.err());
                assertTrue(r.err().contains("sampling " + sampling), r.err());
                float m = minOf(tmp.resolve(model + sampling + ".png"));
                // JBU and bilinear average known samples only: never below the smallest one (mm rounding aside);
                // the network may overshoot an edge a little, but a hole read as 0 would drag it far down
                double floor = model.equals("pac") ? 0.5 * 1000 * smallest : 1000 * smallest - 1;
                assertTrue(m >= floor, model + " " + sampling + ": smallest output " + m + " mm, input "
                        + 1000 * smallest);
            }
        }
        // --no-holes: the zeros are depths, and bilinear blends them in
        Cli.Result r = up("bilinear", "raw.png", "--no-holes", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(minOf(tmp.resolve("raw.png")) < 0.5 * 1000 * smallest);
    }

    @Test
    void aModelIsRunOnlyForTheProtocolItWasTrainedFor() throws IOException {
        scene();
        ModelWeights b = BundledModels.read("pac_upsample_x8");
        Map<String, String> md = new HashMap<>(b.metadata());
        md.put("sampling", "area");
        Path w = tmp.resolve("area-only.safetensors");
        WeightFiles.save(w, b.stateDict(), md);
        Cli.Result r = up("pac", "c.png", "--weights", w.toString(), "--sampling", "center");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("trained for low-resolution input made by area, not --sampling center"), r.err());
        assertEquals(0, up("pac", "a.png", "--weights", w.toString(), "--sampling", "area", "--quiet").code());
    }

    @Test
    void anInputOfOnlyHolesIsRefused() throws IOException {
        scene();
        low = Cli.depthPng(tmp.resolve("zeros.png"), new float[48], 6, 8);
        Cli.Result r = up("jbu", "z.png");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--low has no known sample"), r.err());
    }

    /** Which protocols the bundled 8x model records. */
    private static final class ModelWeightsSamplings {
        static boolean bundledX8Has(String s) {
            String rec = BundledModels.read("pac_upsample_x8").metadata().getOrDefault("sampling", "area");
            return java.util.Arrays.asList(rec.split(",")).contains(s);
        }
    }
}
