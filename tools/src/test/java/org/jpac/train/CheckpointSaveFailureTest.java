package org.jpac.train;

import static org.jpac.io.TestFiles.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.nn.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint save that fails partway (a crash, a full disk) leaves the previous checkpoint as it was. */
class CheckpointSaveFailureTest {

    @TempDir
    Path tmp;

    /** A network of two tensors; the test closes the second to make a save fail after the first is written. */
    private static final class TwoTensors implements Network {
        final Map<String, Tensor> params = new LinkedHashMap<>();

        TwoTensors(float value) {
            float[] a = new float[300_000];
            java.util.Arrays.fill(a, value);
            params.put("a.weight", Tensor.of(a, a.length));
            params.put("b.weight", Tensor.of(new float[] {value, value}, 2));
        }

        @Override
        public Map<String, Tensor> parameters() {
            return params;
        }

        @Override
        public void close() {
            params.values().forEach(Tensor::close);
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointAndNoTemporaryFile() throws IOException {
        Path ckpt = tmp.resolve("run.ckpt.safetensors");
        try (TwoTensors net = new TwoTensors(1f)) {
            Checkpoint.save(ckpt, net, new Adam(1e-3), 7, Map.of("jpac.test", "first"));
        }
        byte[] previous = Files.readAllBytes(ckpt);
        try (TwoTensors net = new TwoTensors(2f)) {
            net.params.get("b.weight").close();
            assertThrows(IllegalStateException.class,
                    () -> Checkpoint.save(ckpt, net, new Adam(1e-3), 8, Map.of("jpac.test", "second")));
            assertThrows(IllegalStateException.class, () -> Checkpoint.saveModel(ckpt, net, Map.of()));
        }
        assertArrayEquals(previous, Files.readAllBytes(ckpt));
        assertEquals(7, Checkpoint.load(ckpt).step());
        assertEquals(List.of("run.ckpt.safetensors"), listing(tmp));
    }
}
