package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.jpac.io.SafeTensors;
import org.jpac.io.images.Npy;
import org.jpac.model.CrfRefiner;
import org.jpac.nn.PacCRF;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.SyntheticSegmentation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jpac train crf}: a few steps lower the held-out loss; the weights load in {@code jpac crf}. */
class CrfTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void fewStepsLowerHeldOutLoss() {
        CrfTraining t = new CrfTraining(new CrfTraining.Settings(10, 5, 0.05, 48, 64, 4));
        try (PacCRF crf = CrfTraining.newCrf(SyntheticSegmentation.CLASSES)) {
            double before = t.heldOutLoss(crf);
            String p0 = CrfTraining.describe(crf);
            CrfTraining.Result r = t.run(crf, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            double after = t.heldOutLoss(crf);
            assertNotEquals(p0, CrfTraining.describe(crf), "parameters did not move");
            assertTrue(after < before, "held-out cross-entropy " + before + " -> " + after);
            assertEquals(10, r.losses().length);
        }
    }

    @Test
    void cliWritesWeightsThatCrfLoads() throws Exception {
        Path w = tmp.resolve("crf.safetensors");
        Cli.Result r = Cli.run("train", "crf", "--steps", "2", "--size", "32x48", "--held-out", "1", "--out",
                w.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("held-out mIoU (1 scenes): scores"), r.out());
        try (SafeTensors st = SafeTensors.open(w)) {
            assertEquals("calibrated", st.metadata().get(CrfRefiner.UNARY_KEY));
            assertTrue(st.metadata().get(CrfRefiner.GEOMETRY_KEY).startsWith("scaled:"), st.metadata().toString());
            assertTrue(st.metadata().get("train").contains("--steps 2"), st.metadata().toString());
        }

        SyntheticSegmentation.Scene s = SyntheticSegmentation.render(32, 48, 9);
        Path img = tmp.resolve("guide.npy");
        Npy.writeArray(img, s.rgb(), 3, 32, 48);
        Path unary = tmp.resolve("scores.npy");
        Npy.writeArray(unary, CoarseSegmenter.logProbabilities(s.labels(), 32, 48, 4, new SplittableRandom(1)),
                2, 32, 48);
        Path labels = tmp.resolve("labels.npy");
        Cli.Result c = Cli.run("crf", "--image", img.toString(), "--unary", unary.toString(), "--weights",
                w.toString(), "--out", labels.toString(), "--quiet");
        assertEquals(0, c.code(), c.err());
        assertTrue(Files.size(labels) > 0);

        assertEquals(2, Cli.run("train", "crf", "--size", "12", "--quiet").code());
        assertEquals(2, Cli.run("train", "crf", "--size", "8x8", "--quiet").code());
    }

    @Test
    void theTablePrintsEveryFactorForBothCrfs() {
        Cli.Result r = Cli.run("train", "crf", "--steps", "1", "--size", "32x48", "--held-out", "1", "--table", "2",
                "--table-count", "1", "--table-size", "48x64", "--quiet");
        assertEquals(0, r.code(), r.err());
        for (String row : new String[] {"| 1/4 |", "| 1/8 |", "| 1/16 |", "| already fine |",
            "untrained CRF: ", "trained CRF: ", "s per megapixel"}) {
            assertTrue(r.out().contains(row), row + " missing from\n" + r.out());
        }
    }
}
