package org.jpac.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import net.jqwik.api.statistics.Statistics;

/**
 * One fuzz case of a file reader: the input is written to a fresh file, the
 * reader runs on it under {@link BoundedCall}'s time and allocation bounds, and
 * it must either return or throw an {@link IOException} (every reader here
 * documents that a malformed file is an IOException). Any other throwable, a
 * hang or an allocation beyond {@code floor + perInputByte * input.length}
 * fails the property; the input is then kept under {@code target/fuzz-failures/}.
 */
public final class FileReaderCase {

    /** Allocation allowed to any input, however small: buffers, class loading, messages. */
    public static final long FLOOR = 16L << 20;

    /** Reads a file, as the reader under test does. */
    @FunctionalInterface
    public interface Reader {
        void read(Path file) throws Exception;
    }

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final Path DIR = createDir();
    private static final Path FAILURES = Path.of("target", "fuzz-failures");

    private FileReaderCase() {
    }

    /** Runs {@code reader} on {@code input} written to a file named {@code *suffix}. */
    public static void check(String what, byte[] input, String suffix, long perInputByte, Reader reader) {
        // a fresh name per case: a mapped buffer of an earlier case never sees its file rewritten
        Path file = DIR.resolve("case-" + COUNTER.incrementAndGet() + suffix);
        try {
            Files.write(file, input);
            long limit = FLOOR + perInputByte * input.length;
            Throwable t;
            try {
                t = BoundedCall.run(what + " on a " + input.length + "-byte input", limit, () -> reader.read(file));
            } catch (AssertionError e) {
                throw keep(what, input, suffix, e);
            }
            if (t != null && !(t instanceof IOException)) {
                throw keep(what, input, suffix, new AssertionError(what + " threw " + t.getClass().getName()
                        + " on a " + input.length + "-byte input; only IOException is documented", t));
            }
            // jqwik's report shows how many inputs got through: a fuzzer that only hits the magic check is useless
            Statistics.label("outcome").collect(t == null ? "read" : "IOException");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover temp file is harmless
            }
        }
    }

    /** Saves a failing input so that it can be replayed, and names it in the error. */
    private static AssertionError keep(String what, byte[] input, String suffix, AssertionError e) {
        CRC32 crc = new CRC32();
        crc.update(input);
        Path f = FAILURES.resolve(what.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + HexFormat.of().toHexDigits((int) crc.getValue()) + suffix);
        try {
            Files.createDirectories(FAILURES);
            Files.write(f, input);
            e.addSuppressed(new AssertionError("input saved as " + f.toAbsolutePath()));
        } catch (IOException io) {
            e.addSuppressed(io);
        }
        return e;
    }

    private static Path createDir() {
        try {
            Path d = Files.createTempDirectory("jpac-fuzz");
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
