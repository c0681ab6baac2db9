package org.jpac.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * How the CPU backend's OpenMP threads wait for work between parallel regions, which libgomp reads
 * from the environment once, when it loads. libgomp's own default spins for a while first: on a
 * machine where other processes or other Java threads' teams want the cores, the spinning threads
 * take the time slices the working ones need (a bundled x8 upsample took 24 ms instead of 13-15 ms
 * beside one busy process on 2 cores). jpac's default is therefore {@code passive} (waiting threads
 * sleep), which measured as fast or faster on an idle machine too. The environment decides when it
 * sets {@code OMP_WAIT_POLICY} or {@code GOMP_SPINCOUNT}; else {@code -Djpac.omp.waitPolicy=active}
 * or {@code passive}.
 */
public final class OpenMpWaitPolicy {

    /** The system property that chooses the policy when the environment does not. */
    public static final String PROPERTY = "jpac.omp.waitPolicy";

    private static volatile String applied = "not applied yet (the native libraries are not loaded)";

    private OpenMpWaitPolicy() {
    }

    /** The policy in force and why, e.g. {@code passive (jpac's default)}. */
    public static String describe() {
        return applied;
    }

    /** Sets OMP_WAIT_POLICY for libgomp, unless the environment has; before libgomp loads. */
    static void apply() {
        for (String name : new String[] {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"}) {
            String v = System.getenv(name);
            if (v != null) {
                applied = "as the environment says (" + name + "=" + v + ")";
                return;
            }
        }
        String p = System.getProperty(PROPERTY);
        String policy = p == null || p.isBlank() ? "passive" : p.trim().toLowerCase(Locale.ROOT);
        if (!policy.equals("passive") && !policy.equals("active")) {
            throw new IllegalArgumentException(PROPERTY + ": expected active or passive, got '" + p + "'");
        }
        try {
            setenv("OMP_WAIT_POLICY", policy);
            applied = policy + (p == null || p.isBlank() ? " (jpac's default)" : " (-D" + PROPERTY + ")");
        } catch (Throwable t) {
            applied = "libgomp's default (setting OMP_WAIT_POLICY failed: " + t + ")";
        }
    }

    private static void setenv(String name, String value) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MemorySegment fn = linker.defaultLookup().find("setenv")
                .orElseThrow(() -> new UnsupportedOperationException("no setenv in the C library"));
        MethodHandle h = linker.downcallHandle(fn, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) h.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0); // 0: keep a set one
            if (rc != 0) {
                throw new IllegalStateException("setenv returned " + rc);
            }
        }
    }
}
