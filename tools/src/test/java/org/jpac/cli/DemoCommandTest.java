package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.io.images.Image;
import org.jpac.io.images.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo runs, reports its numbers and writes its pictures. */
class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    void demoWritesPicturesAndReportsErrors() throws IOException {
        Cli.Result r = Cli.run("demo", "--out", tmp.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        for (String s : new String[] {"bilinear", "JBU", "guided PAC filter", "PacJointUpsample + JBU (bundled)",
                "mIoU", "PAC-CRF", "backend cpu", "sampling area", "errs most in the 32x32 window"}) {
            assertTrue(o.contains(s), "missing '" + s + "' in\n" + o);
        }
        for (String f : new String[] {"depth_upsampling.png", "depth_errors.png", "depth_failure.png",
                "segmentation.png", "guide.png",
                "depth_low.png", "depth_true.png", "scores.npy"}) {
            assertTrue(Files.size(tmp.resolve(f)) > 100, f);
        }
        // the list the demo checks --weights against before it runs names every file it writes
        assertEquals(DemoCommand.FILES.stream().sorted().toList(), org.jpac.io.TestFiles.listing(tmp));
        Image low = Images.read(tmp.resolve("depth_low.png"));
        assertEquals(16, low.bitDepth());
        assertEquals(DemoCommand.WIDTH / 8, low.width());
    }

    @Test
    void theFailureWindowIsWhereTheErrorIs() {
        int h = 40;
        int w = 50;
        float[] truth = new float[h * w];
        float[] est = new float[h * w];
        for (int y = 22; y < 30; y++) {
            for (int x = 5; x < 13; x++) {
                est[y * w + x] = 2;
            }
        }
        FailureMap m = FailureMap.worst(est, truth, h, w, 8);
        assertEquals(22, m.y());
        assertEquals(5, m.x());
        assertEquals(2.0, m.rmse(), 1e-9);
        assertTrue(m.onBorder(21, 8) && !m.onBorder(25, 8) && !m.onBorder(0, 0));
    }

    @Test
    void theSceneIsDeterministicAndItsEdgesAgree() {
        SyntheticScene a = SyntheticScene.render(72, 96);
        SyntheticScene b = SyntheticScene.render(72, 96);
        assertEquals(java.util.Arrays.hashCode(a.rgb), java.util.Arrays.hashCode(b.rgb));
        assertEquals(java.util.Arrays.hashCode(a.noisyScores(8, 0.5, 1)),
                java.util.Arrays.hashCode(b.noisyScores(8, 0.5, 1)));
        // every class is present
        boolean[] seen = new boolean[SyntheticScene.CLASSES.length];
        for (int l : a.labels) {
            seen[l] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }
}
