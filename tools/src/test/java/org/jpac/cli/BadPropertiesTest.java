package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jpac.Jpac;
import org.jpac.io.images.Image;
import org.jpac.io.images.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad {@code -Djpac.*} value read by a static initializer: the command's
 * line says what is wrong with it, not "cannot load the native library:
 * ExceptionInInitializerError". Each case in a JVM of its own (a class is
 * initialised once per process).
 */
class BadPropertiesTest {

    @TempDir
    static Path tmp;

    static Path in;

    @BeforeAll
    static void files() throws IOException {
        in = tmp.resolve("in.png");
        Png.write(in, Image.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3), 8);
    }

    /** stderr and the exit code of {@code jpac filter} run with {@code property} in a new JVM. */
    private static Cli.Result filterWith(String property) throws IOException, InterruptedException {
        Jpac.nativeVersion(); // natives extracted here first: the child finds them and writes nothing
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", property, "-cp",
                System.getProperty("java.class.path")));
        for (String p : new String[] {"jpac.cache.dir", "jpac.library.path"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("org.jpac.cli.Main", "filter", "--in", in.toString(), "--sigma-space", "1",
                "--sigma-color", "0.1", "--out", tmp.resolve("out.npy").toString(), "--quiet"));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // the environment's policy wins over -Djpac.omp.waitPolicy, which then is not read at all
        b.environment().remove("OMP_WAIT_POLICY");
        b.environment().remove("GOMP_SPINCOUNT");
        Process p = b.start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jpac filter did not finish");
        return new Cli.Result(p.exitValue(), "", err);
    }

    @Test
    void theLibrarysMessageIsPrintedWithTheCommandsPrefix() throws Exception {
        for (String[] c : new String[][] {{"-Djpac.leaks=bogus", "jpac.leaks", "bogus"},
            {"-Djpac.memory.cacheBytes=abc", "jpac.memory.cacheBytes", "abc"},
            {"-Djpac.omp.waitPolicy=bogus", "jpac.omp.waitPolicy", "bogus"}}) {
            Cli.Result r = filterWith(c[0]);
            assertEquals(1, r.code(), c[0] + ": " + r.err());
            List<String> lines = r.errorLines();
            assertEquals(1, lines.size(), r.err());
            String line = lines.get(0);
            assertTrue(line.startsWith("jpac filter: ") && line.contains(c[1]) && line.contains(c[2]), line);
            assertFalse(line.contains("ExceptionInInitializerError"), line);
        }
    }
}
