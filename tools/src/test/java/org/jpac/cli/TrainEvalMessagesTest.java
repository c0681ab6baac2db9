package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-line errors of {@code train}, {@code eval} and {@code verify}, which
 * parse their arguments themselves: the right usage, the command's prefix.
 */
class TrainEvalMessagesTest {

    @TempDir
    Path tmp;

    /** The one stderr line of a failed run, checked for its exit code and prefix. */
    private static String line(int code, String prefix, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(code, r.code(), r.err());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith(prefix), lines.get(0));
        return lines.get(0);
    }

    @Test
    void trainCrfUsageErrorsPointAtTrainCrf() {
        // before: two lines, the second train upsample's usage
        String l = line(2, "jpac train: --size: ", "train", "crf", "--size", "15x16", "--quiet");
        assertTrue(l.endsWith("(see jpac train crf --help)"), l);
        l = line(2, "jpac train: ", "train", "upsample", "--factor", "3", "--quiet");
        assertTrue(l.endsWith("(see jpac train upsample --help)"), l);
        Cli.Result help = Cli.run("train", "crf", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("usage: jpac train crf"), help.out());
        assertFalse(help.out().contains("train upsample"), help.out());
        help = Cli.run("train", "upsample", "--help");
        assertTrue(help.out().startsWith("usage: jpac train upsample") && !help.out().contains("train crf"),
                help.out());
    }

    @Test
    void libraryErrorsInTrainAndEvalKeepTheirPrefix() {
        // before: 'jpac: weights ... hold a DJIF, not a PacCRF' (Main's catch, not train's)
        Path djif = org.jpac.TestSupport.goldenDir().resolve("models/model_DJIF_x4.safetensors");
        line(1, "jpac train: ", "train", "crf", "--steps", "0", "--held-out", "1", "--table", "1", "--table-count",
                "1", "--table-size", "16x16", "--photos", "none", "--compare", djif.toString(), "--quiet");
    }

    @Test
    void evalSaysWhatIsWrongWithWeightsThatAreNoFile() throws Exception {
        // before: a directory or a FIFO was "no such file"
        String l = line(1, "jpac eval: --weights ", "eval", "--weights", tmp.toString());
        assertTrue(l.contains("is a directory"), l);
        Path fifo = FifoInputsTest.mkfifo(tmp.resolve("w.safetensors"));
        assumeTrue(fifo != null, "mkfifo is not available");
        String f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> line(1, "jpac eval: --weights ",
                "eval", "--weights", fifo.toString()));
        assertTrue(f.contains("not a regular file"), f);
    }

    @Test
    void verifyHelpAndUsageErrors() {
        // before: 'jpac: verify: --help is not a directory', and 'verify a b' printed the whole usage
        Cli.Result r = Cli.run("verify", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("usage: jpac verify"), r.out());
        assertEquals(0, Cli.run("verify", "-h").code());
        line(2, "jpac verify: takes one directory", "verify", "a", "b");
        assertTrue(line(1, "jpac verify: ", "verify", tmp.resolve("none").toString()).endsWith("is not a directory"));
        assertFalse(Files.exists(tmp.resolve("none")));
    }
}
