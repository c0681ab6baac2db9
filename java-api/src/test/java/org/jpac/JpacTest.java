package org.jpac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Library queries and backend selection. */
class JpacTest {

    private final String saved = System.getProperty(Backend.PROPERTY);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(Backend.PROPERTY);
        } else {
            System.setProperty(Backend.PROPERTY, saved);
        }
    }

    @Test
    void versions() {
        assertFalse(Jpac.version().isBlank());
        // the artifact's version (the build writes it), which starts with the native library's release number
        assertEquals(System.getProperty("jpac.expectedVersion", Jpac.version()), Jpac.version());
        assertTrue(Jpac.version().startsWith(Jpac.nativeVersion()), Jpac.version() + " vs " + Jpac.nativeVersion());
        assertFalse(Jpac.version().contains("${"), Jpac.version());
        assertTrue(Jpac.onednnVersion().matches("\\d+\\.\\d+.*"), Jpac.onednnVersion());
        assertTrue(Jpac.available(Device.Type.CPU));
        assertEquals("", Jpac.unavailableReason(Device.Type.CPU));
    }

    @Test
    void explicitCpu() {
        System.setProperty(Backend.PROPERTY, "CPU");
        assertEquals(Device.CPU, Jpac.backend());
        assertTrue(Jpac.backendReason().contains("cpu requested"), Jpac.backendReason());
    }

    @Test
    void autoPicksCudaOnlyWhenAvailable() {
        System.setProperty(Backend.PROPERTY, "auto");
        Device d = Jpac.backend();
        // a GPU, never the emulator (a test hook)
        boolean gpu = Jpac.available(Device.Type.CUDA) && !Jpac.cudaEmulated();
        assertEquals(gpu ? Device.Type.CUDA : Device.Type.CPU, d.type());
        assertTrue(Jpac.backendReason().startsWith("auto"), Jpac.backendReason());
    }

    @Test
    void cudaWhereThereIsNoneIsAnErrorWithTheReason() {
        System.setProperty(Backend.PROPERTY, "cuda");
        if (Jpac.available(Device.Type.CUDA)) {
            assertEquals(Device.Type.CUDA, Jpac.backend().type());
            return;
        }
        JpacException e = assertThrows(JpacException.class, Jpac::backend);
        assertEquals(JpacException.Status.UNSUPPORTED, e.status());
        assertTrue(e.getMessage().contains(Jpac.unavailableReason(Device.Type.CUDA)), e.getMessage());
    }

    @Test
    void cudaTensorsWhereThereIsNoCudaAreAnErrorWithTheReason() {
        assumeFalse(Jpac.available(Device.Type.CUDA), "a CUDA backend is available here");
        JpacException e = assertThrows(JpacException.class, () -> Tensor.allocate(Device.cuda(0), 4));
        assertEquals(JpacException.Status.UNSUPPORTED, e.status());
        assertTrue(e.getMessage().startsWith("the CUDA backend is not available: ")
                && e.getMessage().contains(Jpac.unavailableReason(Device.Type.CUDA)), e.getMessage());
    }

    @Test
    void badBackendValueNamesTheProperty() {
        System.setProperty(Backend.PROPERTY, "tpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Jpac::backend);
        assertTrue(e.getMessage().startsWith("system property jpac.backend:"), e.getMessage());
    }

    @Test
    void threadsAndScratch() {
        int before = Jpac.threads();
        try {
            Jpac.setThreads(1);
            assertEquals(1, Jpac.threads());
        } finally {
            Jpac.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> Jpac.setThreads(-1));
        Jpac.resetScratchPeak();
        try (Tensor g = Tensor.allocate(1, 3, 16, 16); Kernel2dResult k = Pac.kernel2d(g, PacOptions.of(3))) {
            assertTrue(Jpac.scratchPeakBytes() >= 0);
        }
    }

    /** libgomp's threads sleep while they wait for work unless the environment asks otherwise. */
    @Test
    void openMpThreadsWaitPassivelyByDefault() throws Throwable {
        assumeFalse(System.getenv("OMP_WAIT_POLICY") != null || System.getenv("GOMP_SPINCOUNT") != null
                || System.getProperty("jpac.omp.waitPolicy") != null, "the environment chooses the policy");
        assertEquals("passive (jpac's default)", Jpac.threadWaitPolicy());
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.invoke.MethodHandle getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS,
                        java.lang.foreign.ValueLayout.ADDRESS));
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment v = (java.lang.foreign.MemorySegment) getenv.invokeExact(
                    arena.allocateFrom("OMP_WAIT_POLICY"));
            assertEquals("passive", v.reinterpret(64).getString(0), "what libgomp read when it loaded");
        }
    }
}
