package org.jpac.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Helpers for the tests of file writing: contents, folder listings, device checks. */
public final class TestFiles {

    public static final Path DEV_FULL = Path.of("/dev/full");
    public static final Path DEV_NULL = Path.of("/dev/null");

    private TestFiles() {
    }

    /** {@code n} bytes of a pattern that depends on {@code seed}. */
    public static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** The folder's entries, sorted, so that a leftover temporary file shows. */
    public static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Whether {@code p} exists and is a character device ({@code S_IFCHR}). */
    public static boolean isCharDevice(Path p) throws IOException {
        return Files.exists(p) && ((int) Files.getAttribute(p, "unix:mode") & 0170000) == 0020000;
    }
}
