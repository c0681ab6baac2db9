package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.jpac.Device;
import org.jpac.Jpac;
import org.jpac.cli.Main;
import org.junit.jupiter.api.Test;

/** {@code jpac info} and the backend choice say plainly that the CUDA backend loaded is the emulator. */
class EmulatedInfoTest {

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
        if (Jpac.requestedBackend() == org.jpac.Backend.AUTO) {
            // auto never runs work on the emulator: it stands for a GPU only in tests
            assertEquals(Device.CPU, Jpac.backend());
            assertTrue(text.contains("backend chosen: cpu"), text);
            assertTrue(text.contains("reason: auto: the CUDA backend loaded is the emulator"), text);
        }
    }
}
