package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jpac.Jpac;
import org.jpac.internal.NativeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code jpac info} says when the CUDA library named by the test hook
 * cannot serve: a file that is not there, a library that is not libjpac_cuda.
 * Each case in a JVM of its own (the library is looked for once per process).
 */
class CudaLibraryReasonsTest {

    private static String cudaLine(Path library) throws IOException, InterruptedException {
        Jpac.nativeVersion(); // natives extracted here first: the child finds them and writes nothing
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Djpac.cuda.library=" + library, "-cp", System.getProperty("java.class.path")));
        for (String p : new String[] {"jpac.cache.dir", "jpac.library.path"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("org.jpac.cli.Main", "info"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jpac info did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("cuda available: ")).findFirst().orElse(out);
    }

    @Test
    void aMissingLibraryIsNamed(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("libjpac_cuda_missing.so");
        String line = cudaLine(missing);
        assertTrue(line.startsWith("cuda available: no (cannot load " + missing + " (named by jpac_set_cuda_library"
                + " / -Djpac.cuda.library, a test hook): "), line);
    }

    @Test
    void aLibraryThatIsNotLibjpacCudaIsNamed() throws Exception {
        Jpac.nativeVersion();
        Path gomp = NativeLoader.libraryDirectory().resolve("libgomp.so.1");
        String line = cudaLine(gomp);
        assertTrue(line.startsWith("cuda available: no (" + gomp + " (named by jpac_set_cuda_library"), line);
        assertTrue(line.contains("does not export jpac_cuda_device_count: it is not a libjpac_cuda of this jpac "
                + "version"), line);
    }
}
