package org.jpac.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipOutputStream;

import org.jpac.fuzz.FileReaderCase;
import org.jpac.fuzz.FuzzInputs;
import org.jpac.fuzz.FuzzSettings;
import org.jpac.fuzz.SeedFiles;
import org.jpac.io.PickleBuilder.Storage;
import org.jpac.io.PickleBuilder.TensorSpec;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes the weight-file readers (safetensors, PyTorch zip and legacy
 * {@code .pth}, and the unpickler under them) with random bytes and mutated
 * valid files: each load returns or throws an IOException, within the time and
 * allocation bounds of {@link FileReaderCase}.
 */
@AddLifecycleHook(FuzzSettings.class)
class WeightFilesFuzzTest {

    /**
     * Bytes a reader may allocate per input byte: U8/BOOL data read as double
     * is 8 per byte, and a load holds a copy or two. Views whose strides
     * overlap may expand a storage up to {@link TorchLoader#MAX_EXPANDED_NUMEL}
     * floats, by design: the torch readers get that on top.
     */
    private static final long PER_BYTE = 64;

    private static final List<byte[]> SAFETENSORS = safetensorsSeeds();
    private static final List<byte[]> ZIPS = zipSeeds();
    private static final List<byte[]> LEGACY = List.of(
            PickleBuilder.legacy(PickleBuilder.stateDictPickle(TorchLoaderTest.specs(true), true),
                    PickleBuilder.distinct(TorchLoaderTest.specs(true))));
    private static final List<byte[]> PICKLES = List.of(
            PickleBuilder.stateDictPickle(TorchLoaderTest.specs(false), false),
            PickleBuilder.stateDictPickle(TorchLoaderTest.specs(true), true),
            PickleBuilder.legacyHeader());

    @Property(tries = 6000)
    void safetensorsReader(@ForAll("safetensors") byte[] input) {
        FileReaderCase.check("SafeTensors.open", input, ".safetensors", PER_BYTE, f -> {
            try (SafeTensors st = SafeTensors.open(f)) {
                st.metadata();
                for (String name : st.names()) {
                    st.readFloats(name);
                    st.readDoubles(name);
                }
            }
            WeightFiles.load(f);
        });
    }

    @Property(tries = 5000)
    void torchZipReader(@ForAll("zips") byte[] input) {
        FileReaderCase.check("TorchLoader.load zip", input, ".pth", PER_BYTE, WeightFilesFuzzTest::loadTorch);
    }

    @Property(tries = 6000)
    void torchLegacyReader(@ForAll("legacy") byte[] input) {
        FileReaderCase.check("TorchLoader.load legacy", input, ".pth", PER_BYTE, WeightFilesFuzzTest::loadTorch);
    }

    @Property(tries = 10000)
    void unpickler(@ForAll("pickles") byte[] input) {
        FileReaderCase.check("TorchPickle.loads", input, ".pkl", PER_BYTE,
                f -> TorchPickle.loads(Files.readAllBytes(f)));
    }

    /** Both entry points: by content through WeightFiles, and TorchLoader's own detection. */
    private static void loadTorch(Path f) throws Exception {
        TorchLoader.load(f);
        WeightFiles.load(f);
    }

    @Provide
    Arbitrary<byte[]> safetensors() {
        return FuzzInputs.forFormat(new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{'}, SAFETENSORS);
    }

    @Provide
    Arbitrary<byte[]> zips() {
        return FuzzInputs.forFormat(new byte[] {'P', 'K', 3, 4}, ZIPS);
    }

    @Provide
    Arbitrary<byte[]> legacy() {
        return FuzzInputs.forFormat(PickleBuilder.legacyHeader(), LEGACY);
    }

    @Provide
    Arbitrary<byte[]> pickles() {
        return FuzzInputs.forFormat(new byte[] {(byte) 0x80, 2}, PICKLES);
    }

    // ---- valid files --------------------------------------------------------------

    /** As WeightFiles.save writes them (F32, metadata, a scalar, an empty tensor), and every other dtype. */
    private static List<byte[]> safetensorsSeeds() {
        StateDict sd = new StateDict();
        sd.put("conv.weight", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        sd.put("scale", new float[] {0.5f});
        sd.put("empty", new float[0], 0, 2);
        sd.put("bias", new float[] {-1, 1}, 2);
        List<byte[]> l = new ArrayList<>(SeedFiles.written(".safetensors", List.of(
                f -> WeightFiles.save(f, sd, Map.of("model", "PacJointUpsample", "args", "{\"factor\": 8}")))));
        l.add(safetensors("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[2,1],\"data_offsets\":[16,20]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[20,22]},"
                + "\"d\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[22,30]},"
                + "\"e\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[30,34]},"
                + "\"f\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[34,36]},"
                + "\"g\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[36,37]},"
                + "\"h\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[37,39]},"
                + "\"i\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[39,40]}}", 40));
        return l;
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i * 29 + 7));
        }
        return b.array();
    }

    /** As the tests' torch.save stand-in writes it (data.pkl deflated), and with every entry stored. */
    private static List<byte[]> zipSeeds() {
        List<TensorSpec> specs = TorchLoaderTest.specs(false);
        byte[] pickle = PickleBuilder.stateDictPickle(specs, false);
        List<byte[]> l = new ArrayList<>(SeedFiles.written(".pth", List.of(
                f -> PickleBuilder.writeZip(f, "archive", pickle, PickleBuilder.distinct(specs)))));
        l.add(storedZip("model", pickle, PickleBuilder.distinct(specs)));
        return l;
    }

    /** A zip whose data.pkl is stored too, so that mutations reach the unpickler instead of the inflater. */
    private static byte[] storedZip(String archive, byte[] pickle, List<Storage> storages) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            stored(z, archive + "/data.pkl", pickle);
            stored(z, archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (Storage s : storages) {
                stored(z, archive + "/data/" + s.key(), s.data());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(PickleBuilder.stored(name, data));
        z.write(data);
        z.closeEntry();
    }
}
