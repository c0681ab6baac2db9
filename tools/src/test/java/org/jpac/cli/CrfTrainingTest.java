package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.io.images.Npy;
import org.jpac.nn.PacCRF;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jpac train crf}: a few steps lower the held-out loss; the weights load in {@code jpac crf}. */
class CrfTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void fewStepsLowerHeldOutLoss() {
        CrfTraining t = new CrfTraining(new CrfTraining.Settings(8, 5, 0.05, 48, 64, 2));
        try (PacCRF crf = CrfTraining.newCrf(SyntheticScene.CLASSES.length)) {
            double before = t.heldOutLoss(crf);
            String p0 = CrfTraining.describe(crf);
            CrfTraining.Result r = t.run(crf, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            double after = t.heldOutLoss(crf);
            assertNotEquals(p0, CrfTraining.describe(crf), "parameters did not move");
            assertTrue(after < before, "held-out cross-entropy " + before + " -> " + after);
            assertTrue(r.trainedMiou() >= r.unaryMiou(), "trained CRF mIoU " + r.trainedMiou()
                    + " below the unary's " + r.unaryMiou());
            assertEquals(8, r.losses().length);
        }
    }

    @Test
    void cliWritesWeightsThatCrfLoads() throws Exception {
        Path w = tmp.resolve("crf.safetensors");
        Cli.Result r = Cli.run("train", "crf", "--steps", "2", "--size", "32x48", "--held-out", "1", "--out",
                w.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("held-out mIoU (1 segmentations): unary"), r.out());
        assertTrue(Files.size(w) > 0);

        SyntheticScene s = SyntheticScene.render(32, 48);
        Path img = Cli.guidePng(tmp.resolve("guide.png"), s);
        Path unary = tmp.resolve("scores.npy");
        Npy.writeArray(unary, s.noisyScores(4, 0.9, 3), SyntheticScene.CLASSES.length, 32, 48);
        Path labels = tmp.resolve("labels.npy");
        Cli.Result c = Cli.run("crf", "--image", img.toString(), "--unary", unary.toString(), "--weights",
                w.toString(), "--out", labels.toString(), "--quiet");
        assertEquals(0, c.code(), c.err());
        assertTrue(Files.size(labels) > 0);

        assertEquals(2, Cli.run("train", "crf", "--size", "12", "--quiet").code());
    }
}
