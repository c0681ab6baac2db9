package org.jpac;

import java.util.function.Consumer;

import org.jpac.internal.DeviceMemoryPool;
import org.jpac.internal.Leaks;
import org.jpac.internal.MemoryPool;
import org.jpac.internal.NativeCalls;

/**
 * Library-wide queries and settings: versions, the backend in use, threads and
 * the scratch-memory high-water mark. Thread-safe.
 *
 * <p>Backend choice: system property {@code jpac.backend}, else environment
 * variable {@code JPAC_BACKEND}, else {@code auto}. {@code auto} uses CUDA when
 * the library reports a GPU, else the CPU; {@code cuda} where CUDA is not
 * available throws {@link JpacException} with the library's reason. The choice
 * says where a caller should put its tensors: each operation runs on the
 * device of its tensors ({@link Tensor#allocate(Device, long...)}).
 *
 * <p>libjpac loads the CUDA backend ({@code libjpac_cuda.so}, beside it) at
 * the first CUDA query or call. Test hook: {@code -Djpac.cuda.library=<file>} or
 * the environment variable {@code JPAC_CUDA_LIBRARY} loads another build
 * instead, such as the emulated {@code libjpac_cuda_emu.so} of the native build
 * tree, which runs the CUDA kernels on the CPU ({@link #cudaEmulated()});
 * {@code auto} never picks the emulator.
 */
public final class Jpac {

    private static volatile Choice choice;

    private record Choice(Backend requested, Device device, String reason) {
    }

    private Jpac() {
    }

    /** jpac's version: that of its artifact (e.g. {@code 0.1.0-SNAPSHOT}). */
    public static String version() {
        return ArtifactVersion.VALUE;
    }

    /** The version the native library reports (the release number, without qualifiers). */
    public static String nativeVersion() {
        return NativeCalls.version();
    }

    /** Read once from the resource the build writes. */
    private static final class ArtifactVersion {
        static final String VALUE = read();

        private static String read() {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Jpac.class.getResourceAsStream("jpac-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (java.io.IOException e) {
                // fall through to the native library's version
            }
            String v = p.getProperty("version");
            return v == null || v.isBlank() || v.startsWith("${") ? NativeCalls.version() : v;
        }
    }

    /**
     * The oneDNN version of the CPU backend (e.g. {@code 3.13.0}).
     *
     * @return the version
     */
    public static String onednnVersion() {
        return NativeCalls.onednnVersion();
    }

    /** Whether {@code type}'s backend can run here. */
    public static boolean available(Device.Type type) {
        return NativeCalls.backendAvailable(type == Device.Type.CPU ? 0 : 1).available();
    }

    /** Why {@code type}'s backend cannot run here ("" when it can). */
    public static String unavailableReason(Device.Type type) {
        NativeCalls.Availability a = NativeCalls.backendAvailable(type == Device.Type.CPU ? 0 : 1);
        return a.available() ? "" : a.reason();
    }

    /**
     * What the library says about {@code type}'s backend: why it cannot run
     * here, or for CUDA what was loaded (the library, its devices, and whether it
     * is the emulator).
     */
    public static String backendStatus(Device.Type type) {
        return NativeCalls.backendAvailable(type == Device.Type.CPU ? 0 : 1).reason();
    }

    /**
     * Whether the CUDA backend loaded is jpac's emulator (the test hook above),
     * which runs the CUDA kernels on the CPU with host memory as device memory.
     */
    public static boolean cudaEmulated() {
        return NativeCalls.cudaEmulated();
    }

    /** The backend asked for by the property or environment. */
    public static Backend requestedBackend() {
        return Backend.requested();
    }

    /** The device the chosen backend runs on (CPU or CUDA). */
    public static Device backend() {
        return choose().device();
    }

    /** A sentence saying which backend was chosen and why. */
    public static String backendReason() {
        return choose().reason();
    }

    /**
     * Moves something (a network, a model) to the chosen backend's device with {@code move} and returns
     * where it runs: {@link #backend()}, or the CPU when that is the backend or when {@code move} throws
     * {@link UnsupportedOperationException} (a network that cannot run there, such as JointBilateral),
     * whose message then goes to {@code whyNot}.
     *
     * @param move moves it to a device, e.g. {@code upsampler::to}
     * @param whyNot told why it stays on the CPU
     * @return the device it runs on
     */
    public static Device placeOnBackend(Consumer<Device> move, Consumer<String> whyNot) {
        Device d = backend();
        if (d.isCpu()) {
            return d;
        }
        try {
            move.accept(d);
            return d;
        } catch (UnsupportedOperationException e) {
            whyNot.accept(e.getMessage());
            return Device.CPU;
        }
    }

    private static Choice choose() {
        Choice c = choice;
        Backend requested = Backend.requested();
        if (c != null && c.requested() == requested) {
            return c;
        }
        c = decide(requested);
        choice = c;
        return c;
    }

    private static Choice decide(Backend requested) {
        String src = System.getProperty(Backend.PROPERTY) != null && !System.getProperty(Backend.PROPERTY).isBlank()
                ? "system property " + Backend.PROPERTY : System.getenv(Backend.ENV) != null
                ? "environment variable " + Backend.ENV : "default";
        NativeCalls.Availability cuda = NativeCalls.backendAvailable(1);
        String why = cuda.reason() == null || cuda.reason().isEmpty() ? "no reason given" : cuda.reason();
        boolean emulated = cuda.available() && NativeCalls.cudaEmulated();
        return switch (requested) {
            case CPU -> new Choice(requested, Device.CPU, "cpu requested (" + src + ")");
            case CUDA -> {
                if (!cuda.available()) {
                    throw new JpacException(JpacException.Status.UNSUPPORTED,
                            "cuda requested (" + src + ") but the CUDA backend is not available: " + why);
                }
                yield new Choice(requested, Device.cuda(0), "cuda requested (" + src + ") and available: " + why);
            }
            case AUTO -> emulated
                    ? new Choice(requested, Device.CPU, "auto: the CUDA backend loaded is the emulator, not a GPU ("
                            + why + "), using cpu; ask for cuda to run on the emulator")
                    : cuda.available()
                    ? new Choice(requested, Device.cuda(0), "auto: CUDA is available (" + why + ")")
                    : new Choice(requested, Device.CPU, "auto: CUDA not available (" + why + "), using cpu");
        };
    }

    /**
     * The vector instructions of the CPU backend's fused kernels: {@code avx512},
     * {@code avx2} or {@code generic} (the widest the CPU has, unless the
     * environment variable {@code JPAC_CPU_ISA} asks for less).
     */
    public static String cpuIsa() {
        return NativeCalls.cpuIsa();
    }

    /**
     * Switches the fused kernels' instruction set (e.g. to compare paths);
     * {@link JpacException} with status UNSUPPORTED when the CPU lacks it.
     */
    public static void setCpuIsa(String isa) {
        if (isa == null) {
            throw new NullPointerException("isa: must not be null");
        }
        NativeCalls.setCpuIsa(isa);
    }

    /** The instruction set oneDNN's own kernels use here, as oneDNN names it (e.g. {@code avx512_core}). */
    public static String onednnIsa() {
        return NativeCalls.onednnIsa();
    }

    /** Threads the CPU backend uses. */
    public static int threads() {
        return NativeCalls.numThreads();
    }

    /**
     * How the CPU backend's threads wait for work between parallel regions, and why: {@code passive}
     * (they sleep) by default, {@code active} (they spin first, libgomp's own default) with
     * {@code -Djpac.omp.waitPolicy=active}, or what {@code OMP_WAIT_POLICY} / {@code GOMP_SPINCOUNT} in the
     * environment say. Fixed when the native libraries load.
     */
    public static String threadWaitPolicy() {
        NativeCalls.numThreads(); // loads the native libraries, which applies the policy
        return org.jpac.internal.OpenMpWaitPolicy.describe();
    }

    /** Sets the CPU backend's threads; 0 restores the machine's default. */
    public static void setThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads: must be >= 0, got " + threads);
        }
        NativeCalls.setNumThreads(threads);
    }

    /** Peak scratch bytes the library allocated since the last reset (all threads). */
    public static long scratchPeakBytes() {
        return NativeCalls.scratchPeakBytes();
    }

    /** Resets the peak reported by {@link #scratchPeakBytes()}. */
    public static void resetScratchPeak() {
        NativeCalls.resetScratchPeak();
    }

    // ---- memory kept for reuse ---------------------------------------------------------

    /** Memory in use and kept for reuse, and the leak count. */
    public static MemoryStats memoryStats() {
        MemoryPool.Stats p = MemoryPool.get().stats();
        return new MemoryStats(p.usedBytes(), p.cachedBytes(), p.limit(), p.hits(), p.misses(),
                NativeCalls.scratchCachedBytes(), NativeCalls.scratchCacheLimit(), Leaks.count());
    }

    /**
     * Frees the memory kept for reuse (closed tensors' blocks, on the host and
     * on CUDA devices, and the CPU backend's scratch), e.g. after a burst of
     * work of sizes that will not come again. Memory of open tensors is not
     * affected.
     */
    public static void releaseCachedMemory() {
        MemoryPool.get().trim();
        DeviceMemoryPool.get().trim();
        NativeCalls.scratchTrim();
    }

    /**
     * Bounds the memory of closed tensors kept for reuse (default: 1 GiB, or an
     * eighth of the machine's or container's memory if less; or the system
     * property {@code jpac.memory.cacheBytes}); 0 keeps none. Steady calls
     * allocate nothing new only while their working set fits. The same bound
     * applies to the device memory of closed CUDA tensors kept for reuse.
     */
    public static void setTensorCacheLimit(long bytes) {
        MemoryPool.get().setLimit(bytes);
        DeviceMemoryPool.get().shrinkTo(bytes);
    }

    /** Bounds the CPU backend's freed scratch memory kept for reuse (default 256 MiB); 0 keeps none. */
    public static void setScratchCacheLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: must be >= 0, got " + bytes);
        }
        NativeCalls.setScratchCacheLimit(bytes);
    }
}
