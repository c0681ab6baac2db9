package org.jpac.io;

import static org.jpac.io.PickleBuilder.bf16;
import static org.jpac.io.PickleBuilder.bool;
import static org.jpac.io.PickleBuilder.f16;
import static org.jpac.io.PickleBuilder.f32;
import static org.jpac.io.PickleBuilder.f64;
import static org.jpac.io.PickleBuilder.i64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.jpac.TestSupport;
import org.jpac.io.PickleBuilder.Storage;
import org.jpac.io.PickleBuilder.TensorSpec;
import org.jpac.io.TorchPickle.UnsafePickleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TorchLoader and WeightFiles on hand-built files, the golden files and hostile files. */
class TorchLoaderTest {

    @TempDir
    Path dir;

    private static final Storage S0 = f32("0", 0, 1, 2, 3, 4, 5);
    private static final Storage VIEWED = f32("9", 10, 11, 12, 13, 14);

    /** Tensors covering dtypes, offsets, strides, scalars, empty and expanded views; legacy adds a storage view. */
    static List<TensorSpec> specs(boolean legacy) {
        List<TensorSpec> l = new ArrayList<>(List.of(
                new TensorSpec("a", S0, 0, new long[] {2, 3}, new long[] {3, 1}, null, false),
                new TensorSpec("b", S0, 0, new long[] {3, 2}, new long[] {1, 3}, null, false),
                new TensorSpec("c", f64("1", 0.5, 1.25, -2.5, 3.75), 1, new long[] {3}, new long[] {1}, null, true),
                new TensorSpec("d", f16("2", 1.5f, -0.25f), 0, new long[] {2}, new long[] {1}, null, false),
                new TensorSpec("e", i64("3", 42), 0, new long[] {}, new long[] {}, null, false),
                new TensorSpec("f", bf16("4", 2.5f, -3f), 0, new long[] {2, 1}, new long[] {1, 1}, null, false),
                new TensorSpec("g", f32("5", 7f), 0, new long[] {2, 3}, new long[] {0, 0}, null, false),
                new TensorSpec("h", bool("6", true, false, true), 1, new long[] {2}, new long[] {1}, null, false),
                new TensorSpec("i", S0, 5, new long[] {0, 4}, new long[] {4, 1}, null, false),
                new TensorSpec("j", S0, 0, new long[] {2, 2, 1}, new long[] {3, 2, 7}, null, true)));
        if (legacy) {
            l.add(new TensorSpec("v", VIEWED, 1, new long[] {2}, new long[] {1}, new long[] {1, 3}, false));
        }
        return l;
    }

    static Map<String, TensorData> expected(boolean legacy) {
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("a", TensorData.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        m.put("b", TensorData.of(new float[] {0, 3, 1, 4, 2, 5}, 3, 2));
        m.put("c", TensorData.of(new float[] {1.25f, -2.5f, 3.75f}, 3));
        m.put("d", TensorData.of(new float[] {1.5f, -0.25f}, 2));
        m.put("e", TensorData.of(new float[] {42}));
        m.put("f", TensorData.of(new float[] {2.5f, -3f}, 2, 1));
        m.put("g", TensorData.of(new float[] {7, 7, 7, 7, 7, 7}, 2, 3));
        m.put("h", TensorData.of(new float[] {0, 1}, 2));
        m.put("i", TensorData.of(new float[0], 0, 4));
        m.put("j", TensorData.of(new float[] {0, 2, 3, 5}, 2, 2, 1));
        if (legacy) {
            m.put("v", TensorData.of(new float[] {12, 13}, 2));
        }
        return m;
    }

    private Path zipFile(String archive) throws IOException {
        Path f = dir.resolve(archive + ".pth");
        List<TensorSpec> s = specs(false);
        PickleBuilder.writeZip(f, archive, PickleBuilder.stateDictPickle(s, false), PickleBuilder.distinct(s));
        return f;
    }

    private Path legacyFile() throws IOException {
        Path f = dir.resolve("legacy.pth");
        List<TensorSpec> s = specs(true);
        Files.write(f, PickleBuilder.legacy(PickleBuilder.stateDictPickle(s, true), PickleBuilder.distinct(s)));
        return f;
    }

    private static void assertDict(Map<String, TensorData> want, StateDict got) {
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.names()), "keys in file order");
        for (Map.Entry<String, TensorData> e : want.entrySet()) {
            TensorData g = got.require(e.getKey());
            assertArrayEquals(e.getValue().shape(), g.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), g.data(), e.getKey());
        }
    }

    @Test
    void loadsZipFormatWithAnyArchiveName() throws IOException {
        for (String archive : List.of("archive", "my_model.v2", "x")) {
            Path f = zipFile(archive);
            assertDict(expected(false), TorchLoader.load(f));
            assertEquals(WeightFiles.Format.TORCH_ZIP, WeightFiles.detect(f));
            assertDict(expected(false), WeightFiles.load(f));
        }
    }

    @Test
    void loadsLegacyFormat() throws IOException {
        Path f = legacyFile();
        assertDict(expected(true), TorchLoader.load(f));
        assertEquals(WeightFiles.Format.TORCH_LEGACY, WeightFiles.detect(f));
        assertDict(expected(true), WeightFiles.load(f));
    }

    // ---- golden files -----------------------------------------------------------

    private static Path golden(String name) {
        Path f = TestSupport.goldenDir().resolve("models").resolve(name);
        assertTrue(Files.isRegularFile(f), "golden file missing: " + f);
        return f;
    }

    private static void assertMatchesGolden(StateDict got) throws IOException {
        assertMatchesModel(golden("model_PacJointUpsample_x4.safetensors"), got);
        assertEquals(20, got.size());
    }

    /** Every param.<key> of the model file equals the loaded tensor (float32 vs float64: 1e-6 relative). */
    private static void assertMatchesModel(Path ref, StateDict got) throws IOException {
        try (SafeTensors st = SafeTensors.open(ref)) {
            Set<String> want = new TreeSet<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String n : st.names()) {
                if (n.startsWith("param.")) {
                    want.add(n.substring(6));
                    shapes.put(n.substring(6), st.entry(n).shape());
                }
            }
            assertEquals(want, new TreeSet<>(got.names()), ref.toString());
            got.check(shapes);
            for (String k : want) {
                double[] w = st.readDoubles("param." + k);
                float[] g = got.require(k).data();
                assertEquals(w.length, g.length, k);
                for (int i = 0; i < w.length; i++) {
                    double tol = 1e-6 * Math.abs(w[i]) + 1e-30;
                    if (Math.abs(g[i] - w[i]) > tol) {
                        fail(ref.getFileName() + ": " + k + "[" + i + "]: got " + g[i] + ", want " + w[i]);
                    }
                }
            }
        }
    }

    @Test
    void goldenZipMatchesSafetensors() throws IOException {
        Path f = golden("model_PacJointUpsample_x4.zip.pth");
        StateDict sd = TorchLoader.load(f);
        assertEquals("branch_t.conv1.weight", sd.names().iterator().next(), "file order kept");
        assertMatchesGolden(sd);
        assertMatchesGolden(WeightFiles.load(f));
    }

    @Test
    void goldenLegacyMatchesSafetensors() throws IOException {
        Path f = golden("model_PacJointUpsample_x4.legacy.pth");
        assertMatchesGolden(TorchLoader.load(f));
        assertMatchesGolden(WeightFiles.load(f));
    }

    @Test
    void everyGoldenTorchFileMatchesItsModel() throws IOException {
        Path models = TestSupport.goldenDir().resolve("models");
        int n = 0;
        try (var files = Files.list(models)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                String stem = name.endsWith(".zip.pth") ? name.substring(0, name.length() - 8)
                        : name.endsWith(".legacy.pth") ? name.substring(0, name.length() - 11) : null;
                if (stem != null) {
                    assertMatchesModel(models.resolve(stem + ".safetensors"), WeightFiles.load(f));
                    n++;
                }
            }
        }
        assertTrue(n >= 2, "expected golden .zip.pth and .legacy.pth files in " + models);
    }

    @Test
    void goldenFormatsAgreeExactly() throws IOException {
        StateDict z = TorchLoader.load(golden("model_PacJointUpsample_x4.zip.pth"));
        StateDict l = TorchLoader.load(golden("model_PacJointUpsample_x4.legacy.pth"));
        assertEquals(z.asMap(), l.asMap());
        StateDict s = WeightFiles.load(golden("model_PacJointUpsample_x4.safetensors")).withPrefix("param.");
        s.checkLike(z);
    }

    // ---- hostile files ------------------------------------------------------------

    @Test
    void refusesMaliciousPickleInEveryContainer() throws IOException {
        byte[] evil = TorchPickleTest.osSystem();
        String msg = "refusing to load: the file references global os.system, which a state dict never needs";
        Path z = dir.resolve("evil.zip.pth");
        PickleBuilder.writeZip(z, "archive", evil, List.of());
        Path l = dir.resolve("evil.legacy.pth");
        byte[] header = PickleBuilder.legacyHeader();
        byte[] lb = Arrays.copyOf(header, header.length + evil.length);
        System.arraycopy(evil, 0, lb, header.length, evil.length);
        Files.write(l, lb);
        // the message names the file and the pickle, as every other pickle error does
        Map<Path, String> where = Map.of(z, z + ": data.pkl: ", l, l + ": state dict pickle: ");
        for (Path f : List.of(z, l)) {
            UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchLoader.load(f));
            assertEquals(where.get(f) + msg, e.getMessage());
            e = assertThrows(UnsafePickleException.class, () -> WeightFiles.load(f));
            assertEquals("os.system", e.global());
            assertEquals(where.get(f) + msg, e.getMessage());
        }
    }

    @Test
    void aBitFlipInAStoredEntryIsRefusedByItsCrc() throws IOException {
        // torch.save writes STORED entries, whose CRC ZipFile does not check: the flip would load as a weight
        Storage s = f32("0", 1234.5f, -6789.25f, 42.125f);
        List<TensorSpec> spec = List.of(new TensorSpec("w", s, 0, new long[] {3}, new long[] {1}, null, false));
        Path f = dir.resolve("flipped.pth");
        PickleBuilder.writeZip(f, "archive", PickleBuilder.stateDictPickle(spec, false), List.of(s));
        assertArrayEquals(new float[] {1234.5f, -6789.25f, 42.125f}, TorchLoader.load(f).require("w").data());
        byte[] all = Files.readAllBytes(f);
        int at = indexOf(all, s.data());
        assertTrue(at > 0, "storage bytes not found in the archive");
        all[at + 4] ^= 1; // the lowest mantissa bit of the second float
        Files.write(f, all);
        for (int way = 0; way < 2; way++) {
            IOException e = assertThrows(IOException.class, way == 0 ? () -> TorchLoader.load(f)
                    : () -> WeightFiles.load(f));
            assertTrue(e.getMessage().startsWith(f + ": entry archive/data/0 is corrupted"), e.getMessage());
            assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Loads through both entry points; returns whether it loaded. Anything but IOException/IAE fails. */
    private static boolean tryLoad(Path f, String what) {
        boolean ok = false;
        for (int way = 0; way < 2; way++) {
            try {
                if (way == 0) {
                    TorchLoader.load(f);
                } else {
                    WeightFiles.load(f);
                }
                ok = true;
            } catch (IOException | IllegalArgumentException expected) {
                if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                    fail(what + ": no message in " + expected, expected);
                }
            } catch (RuntimeException | Error e) {
                fail(what + " threw " + e, e);
            }
        }
        return ok;
    }

    @Test
    void truncationAtEveryPositionIsRejected() throws IOException {
        for (Path f : List.of(zipFile("archive"), legacyFile())) {
            byte[] all = Files.readAllBytes(f);
            Path t = dir.resolve("truncated");
            for (int n = 0; n < all.length; n++) {
                Files.write(t, Arrays.copyOf(all, n));
                if (tryLoad(t, f.getFileName() + " truncated to " + n + " bytes")) {
                    fail(f.getFileName() + " truncated to " + n + " of " + all.length + " bytes loaded");
                }
            }
        }
    }

    @Test
    void randomByteFlipsNeverEscapeAsOtherExceptions() throws IOException {
        Random r = new Random(42);
        for (Path f : List.of(zipFile("archive"), legacyFile())) {
            byte[] all = Files.readAllBytes(f);
            Path t = dir.resolve("flipped");
            for (int it = 0; it < 1500; it++) {
                byte[] b = all.clone();
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
                Files.write(t, b);
                tryLoad(t, f.getFileName() + " with flips");
            }
        }
    }

    @Test
    void byteFlipsInRealTorchFilesNeverEscapeAsOtherExceptions() throws IOException {
        Random r = new Random(3);
        for (String name : List.of("model_PacJointUpsample_x4.zip.pth", "model_PacJointUpsample_x4.legacy.pth")) {
            byte[] all = Files.readAllBytes(golden(name));
            Path t = dir.resolve("flipped.pth");
            for (int it = 0; it < 120; it++) {
                byte[] b = all.clone();
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    // the pickles and zip headers live in the first and last few KiB
                    int at = r.nextBoolean() ? r.nextInt(2500) : b.length - 1 - r.nextInt(2500);
                    b[at] ^= (byte) (1 + r.nextInt(255));
                }
                Files.write(t, b);
                tryLoad(t, name + " with flips");
            }
        }
    }

    private void rejected(String why, byte[] legacyPickle, List<Storage> storages, String expect) throws IOException {
        Path f = dir.resolve("bad.pth");
        Files.write(f, PickleBuilder.legacy(legacyPickle, storages));
        IOException e = assertThrows(IOException.class, () -> TorchLoader.load(f), why);
        assertTrue(e.getMessage().contains(expect), why + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), why + ": " + e.getMessage());
        Path z = dir.resolve("bad.zip.pth");
        PickleBuilder.writeZip(z, "archive", legacyPickle, storages);
        assertThrows(IOException.class, () -> TorchLoader.load(z), why + " (zip)");
    }

    @Test
    void rejectsLyingSizesAndStrides() throws IOException {
        Storage one = f32("0", 1f);
        rejected("storage claims 2^40 elements", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w",
                new Storage("Float", "0", 4, new byte[4], 1L << 40), 0, new long[] {1}, new long[] {1}, null, false)), true), List.of(one), "elements");
        rejected("view past the storage", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w", one, 0,
                new long[] {2}, new long[] {1}, null, false)), true), List.of(one), "reach element 1 of a 1-element");
        rejected("offset past the storage", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w", one, 3,
                new long[] {1}, new long[] {1}, null, false)), true), List.of(one), "reach element 3");
        rejected("huge expanded view", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w", one, 0,
                new long[] {1 << 20, 1 << 20}, new long[] {0, 0}, null, false)), true), List.of(one),
                "overlapping strides");
        rejected("stride overflow", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w", one, 0,
                new long[] {3, 3}, new long[] {Long.MAX_VALUE / 2, 1}, null, false)), true), List.of(one),
                "overflows");
        Storage wrongType = new Storage("Double", "0", 8, new byte[8]);
        rejected("one key, two dtypes", PickleBuilder.stateDictPickle(List.of(
                new TensorSpec("w", one, 0, new long[] {1}, new long[] {1}, null, false),
                new TensorSpec("x", wrongType, 0, new long[] {1}, new long[] {1}, null, false)), true),
                List.of(one), "declared twice");
        byte[] notDict = new PickleBuilder().proto(2).op(']').stop().bytes();
        rejected("top level is a list", notDict, List.of(), "not a state dict");
        byte[] checkpoint = new PickleBuilder().proto(2).op('}').mark().str("epoch").integer(3).op('u').stop()
                .bytes();
        rejected("checkpoint", checkpoint, List.of(), "entry 'epoch' is a int, not a tensor");
    }

    @Test
    void expandedViewsShareOneLimitPerFile() throws IOException {
        // each view alone is within MAX_EXPANDED_NUMEL; before the limit was per file, repeating such a view
        // made a tiny file expand to any size (n views of 64 MiB each)
        Storage one = f32("0", 1f);
        long half = TorchLoader.MAX_EXPANDED_NUMEL / 2 + 1;
        List<TensorSpec> twice = List.of(
                new TensorSpec("a", one, 0, new long[] {half}, new long[] {0}, null, false),
                new TensorSpec("b", one, 0, new long[] {half}, new long[] {0}, null, false));
        rejected("two expanded views", PickleBuilder.stateDictPickle(twice, true), List.of(one),
                "tensor 'b': a view of " + half + " elements over a 1-element storage (overlapping strides)");
        Path f = dir.resolve("once.pth");
        Files.write(f, PickleBuilder.legacy(PickleBuilder.stateDictPickle(twice.subList(0, 1), true), List.of(one)));
        assertEquals(half, TorchLoader.load(f).require("a").numel());
    }

    @Test
    void viewsOfOneStorageRepeatedManyTimesAreRefused() throws IOException {
        // reported by the fuzzing work: every view of an already viewed storage is copied again, so a file
        // listing one storage many times made the reader allocate many times its size (here 20 x 4 MiB)
        float[] v = new float[1 << 20];
        Storage big = f32("0", v);
        List<TensorSpec> many = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(new TensorSpec("w" + i, big, 0, new long[] {v.length}, new long[] {1}, null, false));
        }
        rejected("20 views of one storage", PickleBuilder.stateDictPickle(many, true), List.of(big),
                "already view add up to more than");
        // tied weights (a few views of one storage) still load
        Path f = dir.resolve("tied.pth");
        Files.write(f, PickleBuilder.legacy(PickleBuilder.stateDictPickle(many.subList(0, 3), true), List.of(big)));
        assertEquals(3, TorchLoader.load(f).size());
    }

    @Test
    void rejectsZipWithoutDataPklOrStorage() throws IOException {
        Path f = dir.resolve("nodata.pth");
        List<TensorSpec> s = specs(false);
        PickleBuilder.writeZip(f, "archive", PickleBuilder.stateDictPickle(s, false), List.of());
        IOException e = assertThrows(IOException.class, () -> TorchLoader.load(f));
        assertTrue(e.getMessage().contains("has no entry archive/data/"), e.getMessage());
        Path g = dir.resolve("short.pth");
        Storage shortStorage = new Storage("Float", "0", 4, new byte[8]);
        PickleBuilder.writeZip(g, "archive", PickleBuilder.stateDictPickle(List.of(new TensorSpec("w",
                new Storage("Float", "0", 4, new byte[12]), 0, new long[] {3}, new long[] {1}, null, false)), false),
                List.of(shortStorage));
        e = assertThrows(IOException.class, () -> TorchLoader.load(g));
        assertTrue(e.getMessage().contains("holds 8 bytes, expected 12"), e.getMessage());
        Path h = dir.resolve("plain.zip");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(h))) {
            z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            z.write(1);
        }
        e = assertThrows(IOException.class, () -> TorchLoader.load(h));
        assertTrue(e.getMessage().contains("without <archive>/data.pkl"), e.getMessage());
        Path n = dir.resolve("text.pth");
        Files.writeString(n, "hello world, not weights");
        assertThrows(IOException.class, () -> TorchLoader.load(n));
        e = assertThrows(IOException.class, () -> WeightFiles.load(n));
        assertTrue(e.getMessage().contains("unrecognised weight file"), e.getMessage());
    }
}
