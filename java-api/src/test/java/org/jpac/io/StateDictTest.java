package org.jpac.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** StateDict checks, TensorData, and the safetensors writer in WeightFiles. */
class StateDictTest {

    @TempDir
    Path dir;

    private static StateDict sample() {
        return new StateDict()
                .put("conv.weight", new float[] {1, 2, 3, 4, 5, 6}, 1, 1, 2, 3)
                .put("conv.bias", new float[] {0.5f}, 1)
                .put("bn.num_batches_tracked", new float[] {7}) // rank 0
                .put("empty", new float[0], 0, 3)
                .put("specials", new float[] {Float.NaN, -0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE}, 4);
    }

    @Test
    void checkListsEveryMissingUnexpectedAndMisShapedKey() {
        StateDict sd = sample();
        Map<String, long[]> want = new LinkedHashMap<>();
        want.put("conv.weight", new long[] {1, 1, 3, 2}); // wrong shape
        want.put("conv.bias", new long[] {1});             // fine
        want.put("bn.num_batches_tracked", new long[] {1}); // rank 0 vs [1]: wrong shape
        want.put("up.weight", new long[] {4, 4});          // missing
        want.put("up.bias", new long[] {4});               // missing
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sd.check(want));
        String m = e.getMessage();
        assertTrue(m.startsWith("state dict does not match the expected parameters (2 missing, 2 unexpected, "
                + "2 with the wrong shape):"), m);
        for (String s : List.of("missing key 'up.weight' (expected shape [4, 4])",
                "missing key 'up.bias' (expected shape [4])",
                "unexpected key 'empty' (shape [0, 3])",
                "unexpected key 'specials' (shape [4])",
                "key 'conv.weight' has shape [1, 1, 2, 3], expected [1, 1, 3, 2]",
                "key 'bn.num_batches_tracked' has shape [], expected [1]")) {
            assertTrue(m.contains(s), "missing '" + s + "' in:\n" + m);
        }
        assertEquals(6, sd.mismatches(want).size());
        sd.check(sd.shapes()); // matches itself
        sd.checkLike(sample());
        assertThrows(IllegalArgumentException.class, () -> sd.require("nope"));
        assertThrows(IllegalArgumentException.class, () -> sd.require("conv.bias", 2));
        assertArrayEquals(new float[] {0.5f}, sd.require("conv.bias", 1).data());
    }

    @Test
    void tensorDataValidatesAndConverts() {
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], -1));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], Long.MAX_VALUE, 4));
        try (Tensor t = TensorData.of(new float[] {3}).toTensor()) {
            assertArrayEquals(new long[] {1}, t.shape());
        }
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], 0, 3).toTensor());
        try (Tensor t = Tensor.of(new float[] {1, 2}, 2, 1)) {
            StateDict sd = new StateDict().put("t", t);
            assertArrayEquals(new long[] {2, 1}, sd.require("t").shape());
        }
        StateDict sd = sample();
        StateDict conv = sd.withPrefix("conv.");
        assertEquals(List.of("weight", "bias"), List.copyOf(conv.names()));
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        StateDict sd = sample();
        Path f = dir.resolve("w.safetensors");
        Files.writeString(f, "old contents are replaced");
        WeightFiles.save(f, sd, Map.of("model", "Test"));
        assertEquals(WeightFiles.Format.SAFETENSORS, WeightFiles.detect(f));
        StateDict back = WeightFiles.load(f);
        assertEquals(sd.asMap(), back.asMap()); // bitwise, NaN and -0 included
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("Test", st.metadata().get("model"));
            assertEquals(SafeTensors.DType.F32, st.entry("conv.weight").dtype());
            assertArrayEquals(new long[] {}, st.entry("bn.num_batches_tracked").shape());
            assertEquals(0, st.entry("conv.weight").begin() % 8, "data 8-byte aligned");
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        assertThrows(IllegalArgumentException.class,
                () -> WeightFiles.save(dir.resolve("x"), new StateDict().put("__metadata__", new float[] {1}, 1)));
    }
}
