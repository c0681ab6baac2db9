package org.jpac.cli;

import static org.jpac.cli.Cli.fails;
import static org.jpac.cli.Cli.has;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.jpac.io.images.Npy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named pipe given where an image is read is refused at once, naming the
 * option and the file: reading one would block until something writes to it.
 */
class FifoInputsTest {

    @TempDir
    static Path tmp;

    static Path fifo;
    static Path guide;
    static Path low;
    static Path scores;
    static Path out;

    @BeforeAll
    static void files() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        low = Cli.depthPng(tmp.resolve("low.png"), s.lowDepth(8), 6, 8);
        scores = tmp.resolve("scores.npy");
        Npy.writeArray(scores, s.noisyScores(8, 0.5, 1), 5, 48, 64);
        out = tmp.resolve("out.png");
        fifo = mkfifo(tmp.resolve("pipe.png"));
    }

    /** A named pipe made with {@code mkfifo}, or null where there is no such tool. */
    static Path mkfifo(Path p) {
        try {
            Process pr = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            return pr.waitFor() == 0 && Files.exists(p) ? p : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Releases a reader left blocked on the pipe by a failing run (opening read-write does not block). */
    @AfterAll
    static void unblock() throws IOException, InterruptedException {
        if (fifo != null) {
            new ProcessBuilder("sh", "-c", ": 1<> \"$1\"", "sh", fifo.toString()).start().waitFor();
        }
    }

    private static void refused(String option, String... args) {
        assumeTrue(fifo != null, "mkfifo is not available");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> fails(1, has("cannot read " + option,
                fifo.toString(), "not a regular file"), args));
    }

    @Test
    void upsampleGuideAndLow() {
        refused("--guide", "upsample", "--guide", fifo.toString(), "--low", low.toString(), "--factor", "8",
                "--model", "jbu", "--out", out.toString());
        refused("--low", "upsample", "--guide", guide.toString(), "--low", fifo.toString(), "--factor", "8",
                "--model", "jbu", "--out", out.toString());
    }

    @Test
    void crfUnaryAndImage() {
        refused("--unary", "crf", "--image", guide.toString(), "--unary", fifo.toString(), "--out",
                out.toString());
        refused("--image", "crf", "--image", fifo.toString(), "--unary", scores.toString(), "--out",
                out.toString());
    }

    @Test
    void filterInAndGuide() {
        refused("--in", "filter", "--in", fifo.toString(), "--sigma-space", "2", "--sigma-color", "0.1", "--out",
                out.toString());
        refused("--guide", "filter", "--in", guide.toString(), "--guide", fifo.toString(), "--sigma-space", "2",
                "--sigma-color", "0.1", "--out", out.toString());
    }
}
