package org.jpac.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The bytes of valid files made by the library's own writers: the seeds that the fuzzers mutate. */
public final class SeedFiles {

    /** Writes one file. */
    @FunctionalInterface
    public interface Writer {
        void write(Path file) throws IOException;
    }

    private SeedFiles() {
    }

    /** The bytes of the files that {@code writers} make, each named {@code seed<i><suffix>}. */
    public static List<byte[]> written(String suffix, List<Writer> writers) {
        try {
            Path dir = Files.createTempDirectory("jpac-fuzz-seeds");
            List<byte[]> l = new ArrayList<>();
            for (Writer w : writers) {
                Path f = dir.resolve("seed" + l.size() + suffix);
                w.write(f);
                l.add(Files.readAllBytes(f));
                Files.delete(f);
            }
            Files.delete(dir);
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
