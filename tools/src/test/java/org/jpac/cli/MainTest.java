package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes and output formats. */
class MainTest {

    @TempDir
    Path tmp;

    private static Cli.Result run(String... args) {
        return Cli.run(args);
    }

    @Test
    void help() {
        Cli.Result r = run("help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("verify [DIR]"));
    }

    @Test
    void unknownCommandIsAUsageError() {
        Cli.Result r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("jpac: unknown command 'frobnicate'\n"), r.err());
        assertTrue(r.err().contains("usage:"));
        assertFalse(r.err().contains("Exception"));
        assertEquals(2, run().code());
    }

    @Test
    void verifyMissingOrEmptyDirectoryFails() throws Exception {
        Cli.Result missing = run("verify", tmp.resolve("nope").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("not a directory"), missing.err());
        Cli.Result empty = run("verify", tmp.toString());
        assertEquals(1, empty.code());
        assertTrue(empty.out().trim().endsWith("0 passed, 0 failed"), empty.out());
        assertEquals(2, run("verify", "a", "b").code());
    }

    @Test
    void verifyWithoutAFolderRunsTheConformanceSuite() {
        String saved = System.getProperty("jpac.verify.cases");
        System.setProperty("jpac.verify.cases", "1"); // one case per family: the tests run the whole suite elsewhere
        try {
            Cli.Result r = run("verify");
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("kernel2d") && r.out().contains("transposed-phases"), r.out());
            assertTrue(r.out().trim().endsWith("5 passed, 0 failed"), r.out());
        } finally {
            if (saved == null) {
                System.clearProperty("jpac.verify.cases");
            } else {
                System.setProperty("jpac.verify.cases", saved);
            }
        }
    }

    @Test
    void aBadVerifyCasesPropertyIsRefused() {
        // before: 0 and -1 ran nothing and passed ("0 passed, 0 failed", exit 0), 'abc' ran the default 12
        String saved = System.getProperty("jpac.verify.cases");
        try {
            for (String v : new String[] {"0", "-1", "abc", "1.5", ""}) {
                System.setProperty("jpac.verify.cases", v);
                Cli.Result r = run("verify");
                assertEquals(2, r.code(), v + ": " + r.out() + r.err());
                assertEquals("jpac verify: -Djpac.verify.cases must be a whole number >= 1, got '" + v + "'",
                        r.err().strip());
                assertEquals("", r.out());
            }
        } finally {
            if (saved == null) {
                System.clearProperty("jpac.verify.cases");
            } else {
                System.setProperty("jpac.verify.cases", saved);
            }
        }
    }

    @Test
    void verifyReportsEachCaseAndATotal() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("cases"));
        for (String n : new String[] {"conv2d_guided", "pool2d_channelwise"}) {
            Files.copy(TestSupport.goldenDir().resolve("ops/" + n + ".safetensors"), dir.resolve(n + ".safetensors"));
        }
        Files.writeString(dir.resolve("broken.safetensors"), "garbage");
        Cli.Result r = run("verify", dir.toString());
        String[] lines = r.out().trim().split("\n");
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[0].startsWith("FAIL broken: "), lines[0]);
        for (int i = 1; i < 3; i++) {
            assertTrue(lines[i].startsWith("PASS ") || lines[i].startsWith("FAIL "), lines[i]);
        }
        assertTrue(lines[3].matches("\\d+ passed, \\d+ failed"), lines[3]);
        assertTrue(lines[3].endsWith(" 1 failed") || lines[3].endsWith(" 2 failed") || lines[3].endsWith(" 3 failed"));
        assertEquals(1, r.code());
    }

    @Test
    void infoPrintsVersionsAndBackend() {
        Cli.Result r = run("info");
        assertTrue(r.out().contains("jpac "), r.out() + r.err());
        assertTrue(r.out().contains("oneDNN "));
        assertTrue(r.out().contains("backend chosen: "));
        assertTrue(r.out().contains("threads: "));
    }

    @Test
    void aMissingOptionalCommandSaysSo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.delegate("org.jpac.cli.NoSuchCommand", "demo", new String[0],
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code);
        assertTrue(msg.startsWith("jpac: the 'demo' command is not available"), msg);
        assertFalse(msg.contains("Exception"));
    }
}
