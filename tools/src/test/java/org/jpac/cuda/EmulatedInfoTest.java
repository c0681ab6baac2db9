package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jpac.Backend;
import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.TestSupport;
import org.jpac.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jpac info} and the backend choice say plainly that the CUDA backend
 * loaded is the emulator; {@code jpac verify DIR} with backend cuda runs the
 * golden cases on it; {@code jpac gpu-bench} runs there too and says whose times they are.
 */
class EmulatedInfoTest {

    @Test
    void verifyRunsGoldenCasesOnTheChosenCudaBackend(@TempDir Path dir) throws IOException {
        EmulatedCuda.device();
        Path ops = TestSupport.goldenDir().resolve("ops");
        for (String name : new String[] {"conv2d_guided", "kernel2d_transposed_norm"}) {
            Files.copy(ops.resolve(name + ".safetensors"), dir.resolve(name + ".safetensors"));
        }
        String before = System.getProperty(Backend.PROPERTY);
        System.setProperty(Backend.PROPERTY, "cuda");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Main.run(new String[] {"verify", dir.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(0, code, String.join("\n", lines));
            assertTrue(lines.get(0).startsWith("golden cases on cuda:0: EMULATED, not a GPU"), lines.get(0));
            assertEquals("PASS conv2d_guided", lines.get(1));
            assertEquals("PASS kernel2d_transposed_norm", lines.get(2));  // 7x7: the untiled kernels
            assertEquals("2 passed, 0 failed", lines.get(3));
        } finally {
            if (before == null) {
                System.clearProperty(Backend.PROPERTY);
            } else {
                System.setProperty(Backend.PROPERTY, before);
            }
        }
    }

    @Test
    void gpuBenchTimesEveryCaseAndSaysTheTimesAreTheEmulators() {
        EmulatedCuda.device();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"gpu-bench", "--size", "tiny", "--runs", "1", "--warmup", "0", "--check"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("EMULATED: these are the emulator's times on the CPU, not a GPU's"), text);
        assertTrue(text.contains("CHECK: every case matches the CPU backend"), text);
        assertTrue(text.lines().filter(l -> l.startsWith("CHECK ") && l.endsWith(": ok")).count() == 10, text);
        for (String c : new String[] {"conv2d_guided.forward", "conv2d_guided.backward", "conv2d_guided.train",
                "conv_transpose2d_guided.forward", "pool2d_guided.forward", "kernel2d.forward",
                "conv2d_guided.forward7x7", "conv2d_guided.forward9x9", "paccrf.forward", "pacjointupsample.train"}) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(c + " ")), c + " missing: " + text);
            // The line the GPU bundle joins with cuDNN's and PyTorch's times.
            assertTrue(text.lines().anyMatch(l -> l.matches("RESULT jpac " + java.util.regex.Pattern.quote(c)
                    + " [0-9.]+ [0-9.]+")), "RESULT line of " + c + " missing: " + text);
        }
    }

    @Test
    void infoSaysTheEmulatorIsLoadedAndAutoKeepsTheCpu() {
        EmulatedCuda.device();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"info"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("cuda available: yes (EMULATED, not a GPU: "), text);
        assertTrue(text.contains("cuda backend: EMULATED, not a GPU"), text);
        if (Jpac.requestedBackend() == Backend.AUTO) {
            // auto never runs work on the emulator: it stands for a GPU only in tests
            assertEquals(Device.CPU, Jpac.backend());
            assertTrue(text.contains("backend chosen: cpu"), text);
            assertTrue(text.contains("reason: auto: the CUDA backend loaded is the emulator"), text);
        }
    }
}
