package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jpac.Tensor;

import org.jpac.io.SafeTensors;
import org.jpac.io.images.Npy;
import org.jpac.model.CrfRefiner;
import org.jpac.nn.PacCRF;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.PhotoTextures;
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
        try (PacCRF crf = CrfTraining.newCrf(SyntheticSegmentation.CLASSES, false)) {
            double before = t.heldOutLoss(crf);
            String p0 = CrfTraining.describe(crf);
            CrfTraining.Result r = t.run(crf, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            double after = t.heldOutLoss(crf);
            assertNotEquals(p0, CrfTraining.describe(crf), "parameters did not move");
            assertTrue(after < before, "held-out cross-entropy " + before + " -> " + after);
            assertEquals(10, r.losses().length);
        }
    }

    /** Three made-up "photographs": smooth colour waves of different frequencies. */
    private static PhotoTextures photos() {
        List<PhotoTextures.Photo> list = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int h = 90;
            int w = 120;
            float[] rgb = new float[3 * h * w];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < h * w; i++) {
                    rgb[c * h * w + i] = (float) (0.5 + 0.4 * Math.sin((k + 1) * 0.07 * (i % w) + c
                            + 0.05 * (k + 2) * (i / w)));
                }
            }
            list.add(new PhotoTextures.Photo("p" + k, h, w, rgb));
        }
        return PhotoTextures.of(list, "test");
    }

    @Test
    void projectionsOnPhotographsLearnAndLoad() throws Exception {
        CrfTraining t = new CrfTraining(new CrfTraining.Settings(10, 5, 0.05, 48, 64, 4, photos(), true,
                CrfTraining.FINE_ODDS));
        try (PacCRF crf = CrfTraining.newCrf(SyntheticSegmentation.CLASSES, true)) {
            assertEquals(5, crf.guideProjection());
            float[] p0 = crf.parameters().get("guide_projections.0.weight").toArray();
            double before = t.heldOutLoss(crf);
            t.run(crf, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            double after = t.heldOutLoss(crf);
            assertFalse(java.util.Arrays.equals(p0, crf.parameters().get("guide_projections.0.weight").toArray()),
                    "the projection did not move");
            assertTrue(after < before, "held-out cross-entropy " + before + " -> " + after);
            assertTrue(CrfTraining.describe(crf).contains("guide_projections.0.diag="), CrfTraining.describe(crf));
            Path w = tmp.resolve("proj.safetensors");
            t.save(w, crf, "test");
            try (CrfRefiner r = CrfRefiner.load(w, 3);
                 Tensor grey = Tensor.allocate(1, 1, 40, 50); Tensor scores = Tensor.allocate(1, 3, 40, 50);
                 Tensor p = r.refine(grey, scores)) {
                assertEquals(5, ((PacCRF) r.network()).guideProjection());
                assertEquals(3, p.dim(1)); // retargeted to 3 classes; a grey image runs as three equal channels
            }
        }
    }

    @Test
    void missingPhotosAreNamed() {
        Cli.Result r = Cli.run("train", "crf", "--steps", "1", "--size", "32x48", "--photos",
                tmp.resolve("absent").toString(), "--quiet");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--photos: photos: ") && r.err().contains("mate-backgrounds"), r.err());
    }

    @Test
    void cliWritesWeightsThatCrfLoads() throws Exception {
        Path w = tmp.resolve("crf.safetensors");
        Cli.Result r = Cli.run("train", "crf", "--steps", "2", "--size", "32x48", "--held-out", "1", "--out",
                w.toString(), "--photos", "none", "--quiet");
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
        Path w = tmp.resolve("earlier.safetensors");
        assertEquals(0, Cli.run("train", "crf", "--steps", "1", "--size", "32x48", "--held-out", "1", "--out",
                w.toString(), "--photos", "none", "--quiet").code());
        Cli.Result r = Cli.run("train", "crf", "--steps", "1", "--size", "32x48", "--held-out", "1", "--table", "2",
                "--table-count", "1", "--table-size", "48x64", "--photos", "none", "--compare", w.toString(),
                "--quiet");
        assertEquals(0, r.code(), r.err());
        for (String row : new String[] {"| 1/4 |", "| 1/8 |", "| 1/16 |", "| already fine |",
            "untrained CRF: ", "bundled CRF: ", "trained CRF: ", "earlier.safetensors: ", "s per megapixel"}) {
            assertTrue(r.out().contains(row), row + " missing from\n" + r.out());
        }
    }

    /** The validation table draws other scenes than the held-out one (settings are chosen on it). */
    @Test
    void theValidationTableUsesItsOwnScenes() {
        String[] common = {"train", "crf", "--steps", "0", "--held-out", "1", "--table", "1", "--table-count", "2",
            "--table-size", "48x64", "--photos", "none", "--quiet"};
        Cli.Result heldOut = Cli.run(common);
        String[] withSet = java.util.Arrays.copyOf(common, common.length + 2);
        withSet[common.length] = "--table-set";
        withSet[common.length + 1] = "validation";
        Cli.Result validation = Cli.run(withSet);
        assertEquals(0, heldOut.code(), heldOut.err());
        assertEquals(0, validation.code(), validation.err());
        assertTrue(heldOut.out().contains("held-out synthetic mIoU"), heldOut.out());
        assertTrue(validation.out().contains("validation synthetic mIoU"), validation.out());
        assertTrue(!tableRows(heldOut.out()).equals(tableRows(validation.out())),
                "the same scenes:\n" + heldOut.out() + "\n" + validation.out());
        assertEquals(2, Cli.run("train", "crf", "--steps", "0", "--table", "1", "--table-set", "test",
                "--photos", "none", "--quiet").code());
    }

    private static String tableRows(String out) {
        return out.lines().filter(l -> l.startsWith("| 1/") || l.startsWith("| already"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void compareFilesAreCheckedBeforeTraining() throws Exception {
        // before: --out was written over the --compare file, and the table then read the new model
        Path cmp = Files.write(tmp.resolve("cmp.safetensors"), new byte[] {7, 7});
        String[] run = {"train", "crf", "--steps", "1", "--size", "32x48", "--held-out", "1", "--table", "1",
            "--table-count", "1", "--table-size", "48x64", "--photos", "none", "--quiet", "--compare", null,
            "--out", cmp.toString()};
        run[run.length - 3] = cmp.toString();
        Cli.Result r = Cli.run(run);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("jpac train: --out " + cmp + " is the same file as --compare " + cmp
                + "; refusing to overwrite an input"), r.err());
        assertEquals(2, Files.size(cmp));
        // a missing file is found before training, not after it
        Path out = tmp.resolve("new.safetensors");
        run[run.length - 3] = tmp.resolve("absent.safetensors").toString();
        run[run.length - 1] = out.toString();
        r = Cli.run(run);
        assertEquals(1, r.code(), r.err());
        assertEquals("jpac train: cannot read --compare " + tmp.resolve("absent.safetensors") + ": no such file",
                r.err().strip());
        assertFalse(Files.exists(out));
        run[run.length - 3] = ",";
        assertEquals(2, Cli.run(run).code());
    }
}
