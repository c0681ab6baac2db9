package org.jpac.cli;

import static org.jpac.io.TestFiles.DEV_FULL;
import static org.jpac.io.TestFiles.bytes;
import static org.jpac.io.TestFiles.isCharDevice;
import static org.jpac.io.TestFiles.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jpac.ChildJvm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command whose output cannot be written says so in one line and destroys nothing. */
class CliFailedWritesTest {

    @TempDir
    Path tmp;

    Path guide;     // 64x48 RGB PNG
    Path low;       // 8x6 16-bit PNG

    @BeforeEach
    void files() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        low = Cli.depthPng(tmp.resolve("low.png"), s.lowDepth(8), 6, 8);
    }

    private String[] upsample(Path out) {
        return new String[] {"upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8",
            "--model", "bilinear", "--out", out.toString()};
    }

    /** As the report found it: ulimit -f 2, and the existing --out file must survive the failed write. */
    @Test
    void aWriteOverTheFileSizeLimitKeepsTheFileItWasToReplace() throws Exception {
        Path out = tmp.resolve("result.npy");
        byte[] old = bytes(1024, 5);
        Files.write(out, old);
        ChildJvm.Result r = ChildJvm.runWithFileSizeLimit(2, Main.class.getName(), upsample(out));
        assertEquals(1, r.code(), r.out() + r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals("jpac upsample: cannot write --out " + out + ": File too large", lines.get(lines.size() - 1),
                r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertArrayEquals(old, Files.readAllBytes(out));
        assertEquals(List.of("guide.png", "low.png", "result.npy"), listing(tmp));
    }

    @Test
    void writingToDevFullFailsCleanlyAndLeavesTheDevice() throws IOException {
        assumeTrue(isCharDevice(DEV_FULL), "/dev/full does not exist (or is no device) on this machine");
        String line = Cli.fails(1, Cli.has("cannot write --out " + DEV_FULL + ": No space left on device"),
                upsample(DEV_FULL));
        assertFalse(line.contains(".tmp"), line);
        assertTrue(isCharDevice(DEV_FULL), "/dev/full must survive a failed write");
    }
}
