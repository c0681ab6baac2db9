package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.Device;
import org.jpac.Jpac;

/**
 * The device of the org.jpac.cuda tests: cuda:0 of the emulated CUDA backend,
 * which tools/pom.xml's {@code cuda-emulated} execution names with
 * {@code -Djpac.cuda.library}. Skips, saying why, where that library was not
 * built (the native build without its tests); fails where it was built but
 * libjpac does not load it.
 */
final class EmulatedCuda {

    private EmulatedCuda() {
    }

    static Device device() {
        String lib = System.getProperty("jpac.cuda.library");
        assumeTrue(lib != null && !lib.isBlank(),
                "no -Djpac.cuda.library: run these tests through Maven (execution cuda-emulated of tools/pom.xml)");
        assumeTrue(Files.isRegularFile(Path.of(lib)), "the emulated CUDA library " + lib + " was not built "
                + "(native/CMakeLists.txt builds it with the native tests): the CUDA dispatch tests are skipped");
        assertTrue(Jpac.available(Device.Type.CUDA), "libjpac did not load " + lib + ": "
                + Jpac.backendStatus(Device.Type.CUDA));
        assertTrue(Jpac.cudaEmulated(), "the CUDA backend loaded is not the emulator: "
                + Jpac.backendStatus(Device.Type.CUDA));
        return Device.cuda(0);
    }

    /**
     * Kernel launches the emulated library has run so far in this JVM (its test hook
     * {@code jpac_cuda_emu_launches}): a call that reached the CUDA kernels raises it, one the CPU
     * backend ran does not (its results would be the same).
     */
    static long launches() {
        String lib = System.getProperty("jpac.cuda.library");
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.foreign.MemorySegment symbol = java.lang.foreign.SymbolLookup
                .libraryLookup(Path.of(lib), java.lang.foreign.Arena.global()).find("jpac_cuda_emu_launches")
                .orElseThrow(() -> new AssertionError(lib + " has no jpac_cuda_emu_launches"));
        try {
            return (long) linker.downcallHandle(symbol,
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG)).invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("jpac_cuda_emu_launches failed", t);
        }
    }

    /** A host tensor of standard normal values from {@code seed}. */
    static org.jpac.Tensor gaussian(long seed, long... shape) {
        return org.jpac.TestSupport.gaussian(seed, shape);
    }

    /**
     * That {@code dev} is on cuda:0 and holds {@code cpu}'s values within 1e-4 of (1 + its largest
     * magnitude), element by element; {@code what} names it in failures.
     */
    static void assertMatchesCpu(String what, org.jpac.Tensor cpu, org.jpac.Tensor dev) {
        assertEquals(Device.cuda(0), dev.device(), what);
        try (org.jpac.Tensor back = dev.to(Device.CPU)) {
            float[] a = cpu.toArray();
            float[] b = back.toArray();
            assertEquals(a.length, b.length, what);
            double scale = 0;
            for (float v : a) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-4 * (1 + scale), what + ", element " + i);
            }
        }
    }
}
