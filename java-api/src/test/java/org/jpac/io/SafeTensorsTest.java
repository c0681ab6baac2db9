package org.jpac.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** SafeTensors: round trip, dtype conversion, and hostile files. */
class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void roundTripF32WithMetadata() throws IOException {
        Path f = dir.resolve("a.safetensors");
        try (Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor b = Tensor.of(new float[] {-1.5f}, 1)) {
            SafeTensors.write(f, Map.of("a", a, "b", b), Map.of("op", "test", "params", "{\"k\": 1}"));
        }
        assertEquals(0, (Files.size(f) - 8 - 7 * 4) % 8, "header padded to 8 bytes");
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("test", st.metadata().get("op"));
            assertEquals("{\"k\": 1}", st.metadata().get("params"));
            assertEquals(java.util.Set.of("a", "b"), st.names());
            assertArrayEquals(new long[] {2, 3}, st.entry("a").shape());
            try (Tensor a = st.readTensor("a")) {
                assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toArray());
            }
            assertArrayEquals(new double[] {-1.5}, st.readDoubles("b"));
            assertThrows(IOException.class, () -> st.readTensor("missing"));
        }
    }

    /** Builds a file from a header string and raw data bytes. */
    private Path file(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void readsOtherDtypes() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(8 * 2 + 2 * 2 + 2 + 2).order(ByteOrder.LITTLE_ENDIAN);
        d.putDouble(0.25).putDouble(-3);
        d.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
        d.put((byte) 0).put((byte) 255);
        d.putShort((short) (Float.floatToIntBits(2.5f) >>> 16));
        String h = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},"
                + "\"m\":{\"dtype\":\"U8\",\"shape\":[1,2],\"data_offsets\":[20,22]},"
                + "\"s\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[22,24]}}";
        try (SafeTensors st = SafeTensors.open(file(h, d.array()))) {
            assertArrayEquals(new double[] {0.25, -3}, st.readDoubles("d"));
            assertArrayEquals(new float[] {1.5f, -2f}, st.readFloats("h"));
            assertArrayEquals(new double[] {0, 255}, st.readDoubles("m"));
            try (Tensor s = st.readTensor("s")) {
                assertArrayEquals(new long[] {1}, s.shape());
                assertEquals(2.5f, s.get(0));
            }
        }
    }

    private void hostile(String why, Path f) {
        IOException e = assertThrows(IOException.class, () -> {
            try (SafeTensors st = SafeTensors.open(f)) {
                for (String n : st.names()) {
                    st.readDoubles(n);
                }
            }
        }, why);
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void rejectsHostileFiles() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {1, 2, 3});
        hostile("too short", tiny);
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0);
        Path h1 = dir.resolve("huge");
        Files.write(h1, huge.array());
        hostile("huge header length", h1);
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(0);
        Path h2 = dir.resolve("neg");
        Files.write(h2, neg.array());
        hostile("negative header length", h2);
        ByteBuffer past = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Path h3 = dir.resolve("past");
        Files.write(h3, past.array());
        hostile("header past end", h3);
        byte[] four = new byte[4];
        hostile("not json", file("not json", four));
        hostile("array top", file("[1,2]", four));
        hostile("bad utf8", fileBytes(new byte[] {'{', (byte) 0xff, '}', ' '}));
        hostile("unknown dtype", file("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,4]}}", four));
        hostile("offsets out of range",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}", four));
        hostile("offsets reversed", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", four));
        hostile("size mismatch", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", four));
        hostile("negative dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", four));
        hostile("overflow", file("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],"
                + "\"data_offsets\":[0,4]}}", four));
        hostile("fractional dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", four));
        hostile("missing shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", four));
        hostile("bad metadata", file("{\"__metadata__\":{\"op\":3}}", four));
        hostile("deep nesting", file("[".repeat(10000), four));
        hostile("three offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", four));
    }

    @Test
    void aHeaderGivingAKeyTwiceIsRefused() throws IOException {
        byte[] four = new byte[4];
        String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        Path tensorTwice = file("{\"a\":" + t + ",\"a\":" + t + "}", four);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(tensorTwice));
        assertTrue(e.getMessage().contains("duplicate key 'a'"), e.getMessage());
        Path metaTwice = file("{\"__metadata__\":{\"model\":\"A\",\"model\":\"B\"},\"a\":" + t + "}", four);
        e = assertThrows(IOException.class, () -> SafeTensors.open(metaTwice));
        assertTrue(e.getMessage().contains("duplicate key 'model'"), e.getMessage());
        Path fieldTwice = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[2],\"data_offsets\":[0,4]}}",
                four);
        e = assertThrows(IOException.class, () -> SafeTensors.open(fieldTwice));
        assertTrue(e.getMessage().contains("duplicate key 'shape'"), e.getMessage());
    }

    @Test
    void tensorsSharingBytesAreRefusedNamingBoth() throws IOException {
        // before: 'w' silently read the bias's bytes and the next tensor's
        byte[] data = new byte[16];
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        String c = "\"c\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}";
        Path overlap = file("{" + b + "," + c + ",\"w\":{\"dtype\":\"F32\",\"shape\":[3],"
                + "\"data_offsets\":[4,16]}}", data);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(overlap));
        assertTrue(e.getMessage().startsWith(overlap + ": not a valid safetensors file: tensors 'b' and 'w' overlap: "
                + "data_offsets [0, 8] and [4, 16]"), e.getMessage());
        Path same = file("{" + b + ",\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data);
        e = assertThrows(IOException.class, () -> WeightFiles.load(same));
        assertTrue(e.getMessage().contains("tensors 'a' and 'b' overlap"), e.getMessage());
        // adjacent tensors and empty ones (no bytes) are fine
        Path ok = file("{" + b + "," + c + ",\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
                data);
        try (SafeTensors st = SafeTensors.open(ok)) {
            assertEquals(3, st.names().size());
        }
    }

    @Test
    void aDirectoryOrMissingPathIsNamedByEveryWeightReader() throws IOException {
        // before: a directory gave a bare "No such device" (mapping it)
        Path d = Files.createDirectory(dir.resolve("w.safetensors"));
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(d));
        assertEquals(d + ": is a directory, not a weight file", e.getMessage());
        // and every weight reader in front of it (before: a bare "Is a directory")
        for (Executable read : List.<Executable>of(() -> WeightFiles.detect(d), () -> WeightFiles.load(d),
                () -> TorchLoader.load(d))) {
            e = assertThrows(IOException.class, read);
            assertEquals(d + ": is a directory, not a weight file", e.getMessage());
        }
        Path missing = dir.resolve("none.safetensors");
        e = assertThrows(NoSuchFileException.class, () -> SafeTensors.open(missing));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    private Path fileBytes(byte[] header) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(new byte[4]);
        Path f = Files.createTempFile(dir, "u", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void randomGarbageNeverEscapesAsAnythingButIOException() throws IOException {
        Random r = new Random(1);
        String good = "{\"__metadata__\":{\"op\":\"x\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],"
                + "\"data_offsets\":[0,16]}}";
        for (int it = 0; it < 500; it++) {
            byte[] h = good.getBytes(StandardCharsets.UTF_8);
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) {
                h[r.nextInt(h.length)] = (byte) (32 + r.nextInt(95));
            }
            Path f = fileBytes2(h, 16 + r.nextInt(3) * 4 - 4);
            try (SafeTensors st = SafeTensors.open(f)) {
                for (String n : st.names()) {
                    st.readDoubles(n);
                }
            } catch (IOException expected) {
                // fine: rejected with a message
            }
            Files.delete(f);
        }
    }

    private Path fileBytes2(byte[] header, int dataLen) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataLen).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = Files.createTempFile(dir, "g", ".safetensors");
        Files.write(f, b.array());
        return f;
    }
}
