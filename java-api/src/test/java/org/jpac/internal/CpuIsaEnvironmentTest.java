package org.jpac.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** JPAC_CPU_ISA values libjpac would ignore (a typo, another case) are refused when the library loads. */
class CpuIsaEnvironmentTest {

    @Test
    void knownValuesAndNoValuePass() {
        for (String v : new String[] {null, "", "avx512", "avx2", "generic"}) {
            assertDoesNotThrow(() -> NativeLoader.checkCpuIsaEnvironment(v), String.valueOf(v));
        }
    }

    @Test
    void anUnknownValueIsRefusedNamingTheVariable() {
        for (String v : new String[] {"AVX512", "sse", "avx-512", " avx2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NativeLoader.checkCpuIsaEnvironment(v));
            assertEquals("JPAC_CPU_ISA: expected avx512, avx2 or generic, got '" + v + "'", e.getMessage());
        }
    }
}
