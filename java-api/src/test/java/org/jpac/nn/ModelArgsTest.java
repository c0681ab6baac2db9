package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Model arguments take any integral Number, as a Java caller writes them, and refuse the rest cleanly. */
class ModelArgsTest {

    @Test
    void integersOfAnyIntegralTypeAreAccepted() {
        ModelArgs a = new ModelArgs("PacCRF", Map.of("channels", 21, "num_steps", (short) 2, "big",
                BigInteger.valueOf(7), "f", 4.0, "list", List.of(1, 2L, 3.0)));
        assertEquals(21, a.getInt("channels", 0));
        assertEquals(2, a.getInt("num_steps", 0));
        assertEquals(7, a.getInt("big", 0));
        assertEquals(4, a.getInt("f", 0));
        assertTrue(a.isInt("channels"));
        assertArrayEquals(new int[] {1, 2, 3}, a.getIntOrList("list"));
        try (PacCRF crf = PacCRF.fromArgs(new ModelArgs("PacCRF", Map.of("channels", 21, "num_steps", 2)))) {
            assertEquals(21, crf.channels());
        }
    }

    @Test
    void nonIntegersAndOutOfRangeValuesAreArgumentErrors() {
        ModelArgs a = new ModelArgs("X", Map.of("half", 2.5, "huge", 1L << 40, "text", "3"));
        for (String k : List.of("half", "huge", "text")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.getInt(k, 0));
            assertTrue(e.getMessage().contains(k + " must be a"), e.getMessage());
        }
    }
}
