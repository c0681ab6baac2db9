package org.jpac;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * {@link Jpac#releaseCachedMemory()} gives memory back to the system: freeing the kept blocks is not
 * enough, as glibc keeps freed heap pages resident (a burst of 256 MiB of tensors stayed resident
 * after the release, until malloc_trim).
 */
class ReleaseMemoryTest {

    private static final Path STATUS = Path.of("/proc/self/status");

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in " + STATUS);
    }

    @Test
    void releasingCachedMemoryLowersTheResidentSize() throws IOException {
        assumeTrue(Files.isReadable(STATUS), "needs " + STATUS);
        long limit = Jpac.memoryStats().tensorCacheLimit();
        Jpac.setTensorCacheLimit(1L << 30);
        try {
            long burst = 256L << 20;
            List<Tensor> tensors = new ArrayList<>();
            List<Tensor> kept = new ArrayList<>(); // small tensors that stay open between the large ones' memory
            try {
                for (long b = 0; b < burst; b += 128 << 10) {
                    tensors.add(Tensor.allocate(1, 8, 64, 64)); // 128 KiB, zero-filled: resident
                    kept.add(Tensor.allocate(4));
                }
                long peak = residentBytes();
                tensors.forEach(Tensor::close);
                Jpac.releaseCachedMemory();
                long after = residentBytes();
                assertTrue(peak - after >= burst / 2, "resident " + (peak >> 20) + " MiB with " + (burst >> 20)
                        + " MiB of tensors open, " + (after >> 20) + " MiB after closing them and releaseCachedMemory");
            } finally {
                kept.forEach(Tensor::close);
            }
        } finally {
            Jpac.setTensorCacheLimit(limit);
        }
    }
}
