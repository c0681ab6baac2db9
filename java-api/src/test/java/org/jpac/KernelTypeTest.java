package org.jpac;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Parsing of the reference's kernel and smoothing type strings. */
class KernelTypeTest {

    @Test
    void gaussian() {
        KernelType k = KernelType.parse("gaussian");
        assertEquals(KernelType.Kind.GAUSSIAN, k.kind());
        assertFalse(k.learnable());
        assertEquals("gaussian", k.toString());
    }

    @Test
    void invVariants() {
        KernelType a = KernelType.parse("inv_0.5_0.8");
        assertEquals(0.5, a.alpha());
        assertEquals(0.8, a.lambda());
        assertFalse(a.asymmetric());
        assertTrue(a.learnable());
        KernelType b = KernelType.parse("inv_0.2_0.2_asym");
        assertTrue(b.asymmetric());
        assertFalse(b.fixed());
        KernelType c = KernelType.parse("inv_0.5_0.8_fixed");
        assertTrue(c.fixed());
        assertFalse(c.learnable());
        KernelType d = KernelType.parse("inv_1_2_asym_fixed");
        assertEquals(1.0, d.alpha());
        assertEquals(2.0, d.lambda());
        assertTrue(d.asymmetric() && d.fixed());
        assertEquals("inv_1_2_asym_fixed", d.toString());
        assertEquals(d, KernelType.inv(1, 2, true, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "gauss", "inv", "inv_1", "inv_a_2", "inv_1_b", "inv_1_2_sym", "inv_1_2_asym_asym",
            "inv_1_2_", "Gaussian", "inv_1e_2"})
    void badKernelTypesNameTheArgument(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelType.parse(s));
        assertTrue(e.getMessage().startsWith("kernelType:"), e.getMessage());
    }

    @Test
    void smoothKernels() {
        assertEquals(SmoothKernel.NONE, SmoothKernel.parse("none"));
        SmoothKernel g = SmoothKernel.parse("gaussian");
        float[] w = g.initialWeights();
        assertEquals(9, w.length);
        assertEquals(0.25f, w[4]);
        assertEquals(0.0625f, w[0]);
        assertEquals(0.125f, w[1]);
        SmoothKernel a = SmoothKernel.parse("average_5");
        assertEquals(5, a.size());
        assertEquals(1f / 25, a.initialWeights()[7], 1e-9);
        assertFalse(a.learnable());
        SmoothKernel f = SmoothKernel.parse("full_3");
        assertTrue(f.learnable());
        assertArrayEquals(SmoothKernel.average(3).initialWeights(), f.initialWeights());
        assertEquals("full_3", f.toString());
        try (Tensor t = f.createTensor()) {
            assertArrayEquals(new long[] {1, 1, 3, 3}, t.shape());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "avg_3", "average_4", "full_0", "full_x", "average", "gaussian_3", "full_-1"})
    void badSmoothKernelsNameTheArgument(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SmoothKernel.parse(s));
        assertTrue(e.getMessage().startsWith("smoothKernelType:"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"full_257", "average_20001", "full_46341", "full_999999"})
    void smoothKernelsAboveTheLimitAreRefusedWhenParsed(String s) {
        // before: full_46341 overflowed m*m (NegativeArraySizeException), full_20001 allocated 1.6 GB of weights
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmoothKernel.parse(s, "smooth_kernel_type"));
        assertTrue(e.getMessage().startsWith("smooth_kernel_type: size "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + s + "' must be odd and in 1..255"), e.getMessage());
        int m = Integer.parseInt(s.substring(s.indexOf('_') + 1));
        e = assertThrows(IllegalArgumentException.class, () -> SmoothKernel.full(m));
        assertTrue(e.getMessage().contains("size " + m + " is not valid for FULL (needs an odd size in 1..255)"),
                e.getMessage());
        assertEquals(255, SmoothKernel.parse("average_255").size());
    }
}
