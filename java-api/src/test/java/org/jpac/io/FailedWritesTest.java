package org.jpac.io;

import static org.jpac.io.TestFiles.DEV_FULL;
import static org.jpac.io.TestFiles.bytes;
import static org.jpac.io.TestFiles.isCharDevice;
import static org.jpac.io.TestFiles.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jpac.ChildJvm;
import org.jpac.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file writer of jpac, failing partway: the file it was to replace keeps
 * its bytes, no temporary file is left, and a device is never deleted.
 */
class FailedWritesTest {

    /** Smaller than the child's file size limit, so that it can be written there and survive. */
    static final byte[] OLD = bytes(1024, 11);
    static final int LIMIT_KIB = 2;

    @TempDir
    Path tmp;

    static List<String> names() {
        return List.copyOf(TestWriters.ALL.keySet());
    }

    @Test
    void writesThatRunIntoTheFileSizeLimitKeepTheFilesTheyWereToReplace() throws Exception {
        List<String> existing = new ArrayList<>();
        for (String name : names()) {
            Path f = tmp.resolve("existing." + name);
            Files.write(f, OLD);
            existing.add(f.getFileName().toString());
        }
        ChildJvm.Result r = ChildJvm.runWithFileSizeLimit(LIMIT_KIB, WriteEveryFormat.class.getName(),
                tmp.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(names().size(), lines.size(), r.out() + r.err());
        for (String name : names()) {
            assertArrayEquals(OLD, Files.readAllBytes(tmp.resolve("existing." + name)),
                    name + " destroyed the file it failed to replace: " + r.out());
        }
        assertEquals(existing.stream().sorted().toList(), listing(tmp), "temporary files left behind");
        for (String line : lines) {
            String name = line.substring(0, line.indexOf('\t'));
            assertTrue(line.contains(tmp.resolve("existing." + name) + ": File too large"),
                    "the write should fail, naming the file: " + line);
        }

        for (String name : names()) { // with nothing in the way, each file is replaced
            Path f = tmp.resolve("existing." + name);
            TestWriters.ALL.get(name).write(f);
            assertFalse(Arrays.equals(OLD, Files.readAllBytes(f)), name);
        }
        assertEquals(existing.stream().sorted().toList(), listing(tmp));
    }

    @Test
    void safeTensorsFailingAfterItsFirstTensorKeepsTheOldFile() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, OLD);
        Tensor closed = Tensor.of(new float[4], 4);
        closed.close();
        // "a" is larger than any buffer, so its bytes are written before "b" fails
        try (Tensor big = Tensor.of(new float[300_000], 300_000)) {
            assertThrows(IllegalStateException.class,
                    () -> SafeTensors.write(f, Map.of("a", big, "b", closed), Map.of()));
        }
        assertArrayEquals(OLD, Files.readAllBytes(f));
        assertEquals(List.of("model.safetensors"), listing(tmp));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void writingToDevFullFailsAndLeavesTheDevice(String name) throws IOException {
        assumeTrue(isCharDevice(DEV_FULL), "/dev/full does not exist (or is no device) on this machine");
        IOException e = assertThrows(IOException.class, () -> TestWriters.ALL.get(name).write(DEV_FULL));
        assertTrue(e.getMessage().contains(DEV_FULL + ": No space left on device"), e.getMessage());
        assertTrue(isCharDevice(DEV_FULL), name + " deleted or replaced /dev/full");
    }
}
