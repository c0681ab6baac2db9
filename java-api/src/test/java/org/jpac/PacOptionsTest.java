package org.jpac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/** PacOptions: defaults, geometry and validation messages. */
class PacOptionsTest {

    @Test
    void defaults() {
        PacOptions o = PacOptions.of(3);
        assertEquals(3, o.kernelH());
        assertEquals(1, o.strideW());
        assertEquals(0, o.padH());
        assertEquals(1, o.dilationW());
        assertEquals(KernelType.GAUSSIAN, o.kernelType());
        assertFalse(o.channelWise() || o.normalizeKernel() || o.transposed() || o.sharedFilters());
    }

    @Test
    void geometry() {
        PacOptions o = PacOptions.builder(5).stride(2).padding(4).dilation(2).build();
        assertEquals(8, o.outHeight(15));
        PacOptions t = PacOptions.builder(5).stride(2).padding(2).outputPadding(1).build();
        assertEquals(12, t.transposedOutHeight(6));
        assertEquals(6, t.transposedInHeight(12));
        PacOptions n = PacOptions.builder(3, 5).stride(2, 1).padding(1, 2).build();
        assertEquals(4, n.outHeight(8));
        assertEquals(9, n.outWidth(9));
    }

    private static void bad(String field, Supplier<PacOptions> s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::get);
        assertTrue(e.getMessage().startsWith(field + ":"), e.getMessage());
    }

    @Test
    void validationNamesTheField() {
        bad("kernelSize", () -> PacOptions.of(4));
        bad("kernelSize", () -> PacOptions.of(0));
        bad("kernelSize", () -> PacOptions.builder(3, 2).build());
        bad("stride", () -> PacOptions.builder(3).stride(0).build());
        bad("stride", () -> PacOptions.builder(3).stride(-1).build());
        bad("padding", () -> PacOptions.builder(3).padding(-1).build());
        bad("dilation", () -> PacOptions.builder(3).dilation(0).build());
        bad("outputPadding", () -> PacOptions.builder(3).stride(2).outputPadding(2).build());
        bad("outputPadding", () -> PacOptions.builder(3).outputPadding(-1).build());
        bad("kernelType", () -> PacOptions.builder(3).kernelType("inv_x").build());
        // output padding below max(stride, dilation) is fine
        PacOptions.builder(3).dilation(3).outputPadding(2).build();
    }

    @Test
    void withTransposed() {
        PacOptions o = PacOptions.of(3);
        assertTrue(o.withTransposed(true).transposed());
        assertEquals(o, o.withTransposed(true).withTransposed(false));
    }
}
