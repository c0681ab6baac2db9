package org.jpac.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.jpac.PacOptions;
import org.junit.jupiter.api.Test;

/** A golden case's params: out-of-range values are named with their key, "missing" only when absent. */
class GoldenParamsTest {

    private static String refused(Map<String, Object> params) {
        return assertThrows(IllegalArgumentException.class, () -> GoldenRunner.Params.options(params)).getMessage();
    }

    @Test
    void valuesBeyondAnIntOrBelowTheMinimumNameTheirKey() {
        // before: a bare "ArithmeticException: integer overflow", and kernel_size -3 was "missing"
        long big = 1L << 40;
        assertEquals("params: kernel_size must be in 1..2^31-1, got " + big, refused(Map.of("kernel_size", big)));
        assertEquals("params: stride must be in 1..2^31-1, got " + big,
                refused(Map.of("kernel_size", 3L, "stride", List.of(1L, big))));
        assertEquals("params: padding must be in 0..2^31-1, got " + big,
                refused(Map.of("kernel_size", 3L, "padding", big)));
        assertEquals("params: kernel_size must be in 1..2^31-1, got -3", refused(Map.of("kernel_size", -3L)));
        assertEquals("params: output_padding must be in 0..2^31-1, got -1",
                refused(Map.of("kernel_size", 3L, "output_padding", -1L)));
        assertEquals("params: missing kernel_size", refused(Map.of("stride", 1L)));
        PacOptions o = GoldenRunner.Params.options(Map.of("kernel_size", List.of(3L, 5L), "padding", 1L));
        assertEquals(5, o.kernelW());
    }
}
