package org.jpac;

import static org.jpac.TestSupport.randn;
import static org.jpac.TestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jpac.setThreads bounds oneDNN's primitives too, on any calling thread: they
 * size their OpenMP teams by the caller's per-thread OpenMP count, which jpac
 * sets for each operation. Seen through the OS threads: OpenMP workers that a
 * thread starts inherit its name, so a caller limited to one thread must leave
 * no namesakes behind (before, a fresh thread's first convolution started a
 * worker per core).
 */
class OneDnnThreadsTest {

    private static final String NAME = "jpac-omp-probe";

    @AfterEach
    void restoreThreads() {
        Jpac.setThreads(0);
    }

    @Test
    void oneThreadMeansNoOpenMpWorkersForAConvolution() throws Exception {
        Jpac.setThreads(1);
        Throwable[] failure = new Throwable[1];
        long[] namesakes = new long[1];
        Thread t = new Thread(() -> {
            Random r = new Random(1);
            try (Tensor in = tensor(randn(r, 32 * 96 * 96, 1), 1, 32, 96, 96);
                 Tensor w = tensor(randn(r, 32 * 32 * 9, 0.1), 32, 32, 3, 3);
                 Tensor b = tensor(randn(r, 32, 0.1), 32);
                 Tensor out = Pac.stdConv2d(in, w, b, PacOptions.builder(3).padding(1).build())) {
                namesakes[0] = threadsNamed(NAME);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, NAME);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        assertEquals(1, namesakes[0], "OS threads named " + NAME + " (the caller and any OpenMP workers it started)");
    }

    /** OS threads of this process whose name (Linux: at most 15 characters) starts like {@code name}. */
    private static long threadsNamed(String name) throws IOException {
        String comm = name.substring(0, Math.min(15, name.length()));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(p -> {
                try {
                    return Files.readString(p.resolve("comm")).strip().equals(comm);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            }).count();
        }
    }
}
