package org.jpac;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class of the tests in a new JVM whose files may grow to a few KiB
 * ({@code ulimit -f}): a real "File too large" in the middle of a write, as a
 * full disk gives, without filling one.
 */
public final class ChildJvm {

    private static final Path BASH = Path.of("/bin/bash");

    public record Result(int code, String out, String err) {
    }

    private ChildJvm() {
    }

    /** Runs {@code mainClass} with {@code args}, no file larger than {@code limitKiB}; skips without bash. */
    public static Result runWithFileSizeLimit(int limitKiB, String mainClass, String... args)
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(BASH), "needs " + BASH + " to set a file size limit");
        Jpac.version(); // extracts the native libraries now, so the child finds them and writes nothing there
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // no perf data file (it would meet the limit); the class path as this JVM's (surefire's manifest jar)
        List<String> cmd = new ArrayList<>(List.of(BASH.toString(), "-c", "ulimit -f \"$1\" && shift && exec \"$@\"",
                "bash", Integer.toString(limitKiB), java, "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path")));
        for (String p : new String[] {"jpac.cache.dir", "jpac.library.path"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start(); // pipes: no file size limit applies to them
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(p.getErrorStream()));
        String out = text(p.getInputStream());
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(mainClass + " did not finish within 300 s");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    private static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
