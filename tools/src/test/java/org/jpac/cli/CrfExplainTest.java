package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.jpac.io.images.Image;
import org.jpac.io.images.Npy;
import org.jpac.io.images.Png;
import org.jpac.train.CoarseSegmenter;
import org.jpac.train.SyntheticSegmentation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jpac crf --explain}: a picture of exactly the pixels whose label the CRF changed. */
class CrfExplainTest {

    @TempDir
    Path tmp;

    @Test
    void changedPixelsAreColouredAndTheRestIsTheDimmedImage() throws IOException {
        int h = 96;
        int w = 128;
        int n = h * w;
        SyntheticSegmentation.Scene s = SyntheticSegmentation.render(h, w, 21);
        float[] scores = CoarseSegmenter.logProbabilities(s.labels(), h, w, 8, new SplittableRandom(2));
        Path img = tmp.resolve("img.npy");
        Npy.writeArray(img, s.rgb(), 3, h, w);
        Path unary = tmp.resolve("u.npy");
        Npy.writeArray(unary, scores, 2, h, w);
        Path labels = tmp.resolve("labels.npy");
        Path explain = tmp.resolve("explain.png");
        Cli.Result r = Cli.run("crf", "--image", img.toString(), "--unary", unary.toString(), "--out",
                labels.toString(), "--explain", explain.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());

        float[] after = Npy.readArray(labels).data();
        Image pic = Png.read(explain);
        assertEquals(3, pic.channels());
        assertEquals(h, pic.height());
        assertEquals(w, pic.width());
        float[] p = pic.data();
        int changed = 0;
        for (int i = 0; i < n; i++) {
            int before = scores[n + i] > scores[i] ? 1 : 0;
            int now = (int) after[i];
            if (before != now) {
                changed++;
                int c = CrfExplain.colour(now);
                assertEquals((c >> 16) & 0xFF, p[i], 0.5, "pixel " + i);
                assertEquals((c >> 8) & 0xFF, p[n + i], 0.5, "pixel " + i);
            } else {
                assertEquals(Math.round(255f / 3 * s.rgb()[i]), p[i], 1.0, "pixel " + i);
            }
        }
        assertTrue(changed > 0, "the CRF changed nothing on 1/8 scores");
        assertTrue(r.out().contains("explain: the CRF changed " + changed + " of " + n + " pixels"), r.out());
    }

    @Test
    void explainNeedsAPngThatIsNotTheOutput() throws IOException {
        Path img = tmp.resolve("img.npy");
        Npy.writeArray(img, new float[3 * 16 * 16], 3, 16, 16);
        Path unary = tmp.resolve("u.npy");
        Npy.writeArray(unary, new float[2 * 16 * 16], 2, 16, 16);
        Path out = tmp.resolve("l.png");
        Cli.fails(2, Cli.has("--explain writes a .png"), "crf", "--image", img.toString(), "--unary",
                unary.toString(), "--out", out.toString(), "--explain", tmp.resolve("e.npy").toString());
        Cli.fails(2, Cli.has("--explain must differ from --out"), "crf", "--image", img.toString(), "--unary",
                unary.toString(), "--out", out.toString(), "--explain", out.toString());
        assertFalse(Files.exists(out));
    }

    /** A small scene's image and scores for the checks below. */
    private Path[] inputs() throws IOException {
        SyntheticSegmentation.Scene s = SyntheticSegmentation.render(32, 48, 5);
        Path img = tmp.resolve("img.npy");
        Npy.writeArray(img, s.rgb(), 3, 32, 48);
        Path unary = tmp.resolve("u.npy");
        Npy.writeArray(unary, CoarseSegmenter.logProbabilities(s.labels(), 32, 48, 4, new SplittableRandom(1)), 2,
                32, 48);
        return new Path[] {img, unary};
    }

    @Test
    void anExplainThatCannotBeWrittenFailsBeforeTheOutIsWritten() throws IOException {
        // before: --out was written, then --explain failed: exit 1 with a result left behind
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc");
        Path[] in = inputs();
        Path labels = tmp.resolve("labels.png");
        Cli.fails(1, Cli.has("cannot write --explain /proc/x.png"), "crf", "--image", in[0].toString(), "--unary",
                in[1].toString(), "--out", labels.toString(), "--explain", "/proc/x.png");
        assertFalse(Files.exists(labels));
    }

    @Test
    void aDanglingLinkFromExplainToOutIsTheSameFile() throws IOException {
        // before: the link did not exist yet, so the names were compared, and the picture replaced the labels
        Path[] in = inputs();
        Path labels = tmp.resolve("labels.png");
        Path link = Files.createSymbolicLink(tmp.resolve("link.png"), Path.of("labels.png"));
        Cli.fails(2, Cli.has("--explain"), "crf", "--image", in[0].toString(), "--unary", in[1].toString(), "--out",
                labels.toString(), "--explain", link.toString());
        assertFalse(Files.exists(labels));
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        Path up = Files.createSymbolicLink(sub.resolve("up.png"), Path.of("../labels.png"));
        Cli.fails(2, Cli.has("--explain"), "crf", "--image", in[0].toString(), "--unary", in[1].toString(), "--out",
                up.toString(), "--explain", labels.toString());
    }
}
