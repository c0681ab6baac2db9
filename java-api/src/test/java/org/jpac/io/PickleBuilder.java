package org.jpac.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pickle opcodes by hand, and small PyTorch state-dict files (zip and
 * legacy format) laid out the way torch.save lays them out, for the tests.
 */
final class PickleBuilder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    PickleBuilder op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBuilder raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleBuilder proto(int v) {
        return op(0x80, v);
    }

    PickleBuilder mark() {
        return op('(');
    }

    PickleBuilder stop() {
        return op('.');
    }

    /** BINPUT with the next memo index. */
    PickleBuilder put() {
        return op('q', memo++);
    }

    PickleBuilder get(int i) {
        return op('h', i);
    }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le32(b.length);
        return raw(b);
    }

    PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K', (int) v);
        }
        if (v >= 0 && v < 65536) {
            return op('M', (int) (v & 0xff), (int) (v >> 8));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return le32((int) v);
        }
        byte[] be = BigInteger.valueOf(v).toByteArray();
        op(0x8a, be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
        return this;
    }

    PickleBuilder bigint(BigInteger v) {
        byte[] be = v.toByteArray();
        op(0x8a, be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
        return this;
    }

    PickleBuilder global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleBuilder tuple(long... v) {
        if (v.length == 0) {
            return op(')');
        }
        mark();
        for (long x : v) {
            integer(x);
        }
        return op('t');
    }

    PickleBuilder le32(int v) {
        return op(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    // ---- state dicts ------------------------------------------------------------

    /** One storage: its torch type name (e.g. "Float"), key and raw little-endian bytes. */
    record Storage(String type, String key, int elementSize, byte[] data, long numel) {
        Storage(String type, String key, int elementSize, byte[] data) {
            this(type, key, elementSize, data, data.length / elementSize);
        }
    }

    /** A tensor over a storage; {@code view} is a legacy (offset, size) view of it or null; wrap in Parameter. */
    record TensorSpec(String name, Storage storage, long offset, long[] size, long[] stride, long[] view,
                      boolean parameter) {
    }

    static Storage f32(String key, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return new Storage("Float", key, 4, b.array());
    }

    static Storage f64(String key, double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return new Storage("Double", key, 8, b.array());
    }

    static Storage f16(String key, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort(Float.floatToFloat16(x));
        }
        return new Storage("Half", key, 2, b.array());
    }

    static Storage bf16(String key, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort((short) (Float.floatToIntBits(x) >>> 16));
        }
        return new Storage("BFloat16", key, 2, b.array());
    }

    static Storage i64(String key, long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return new Storage("Long", key, 8, b.array());
    }

    static Storage bool(String key, boolean... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) (v[i] ? 1 : 0);
        }
        return new Storage("Bool", key, 1, b);
    }

    /**
     * The main pickle of a state dict, as torch.save writes it: an OrderedDict
     * built by REDUCE, SETITEMS of _rebuild_tensor_v2 calls with BINPERSID
     * storages, then BUILD with the _metadata attribute.
     */
    static byte[] stateDictPickle(List<TensorSpec> tensors, boolean legacy) {
        PickleBuilder p = new PickleBuilder();
        p.proto(2);
        p.global("collections", "OrderedDict").put();
        int od = 0;
        p.op(')').op('R').put();
        p.mark();
        Map<String, Integer> storageMemo = new LinkedHashMap<>();
        for (TensorSpec t : tensors) {
            p.str(t.name()).put();
            if (t.parameter()) {
                p.global("torch._utils", "_rebuild_parameter").put();
                p.mark();
            }
            p.global("torch._utils", "_rebuild_tensor_v2").put();
            p.mark();
            Integer sm = storageMemo.get(t.storage().type() + ":" + t.storage().key() + (t.view() == null ? "" : "@" + t.view()[0]));
            if (sm != null) {
                p.get(sm);
            } else {
                p.mark();
                p.str("storage");
                p.global("torch", t.storage().type() + "Storage");
                p.str(t.storage().key());
                p.str("cpu");
                p.integer(t.storage().numel());
                if (legacy) {
                    if (t.view() == null) {
                        p.op('N');
                    } else {
                        p.mark().str(t.storage().key() + "v").integer(t.view()[0]).integer(t.view()[1]).op('t');
                    }
                }
                p.op('t');
                storageMemo.put(t.storage().type() + ":" + t.storage().key() + (t.view() == null ? "" : "@" + t.view()[0]), p.memo);
                p.put();
            }
            p.op('Q');
            p.integer(t.offset());
            p.tuple(t.size());
            p.tuple(t.stride());
            p.op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
            if (t.parameter()) {
                p.op(0x88); // requires_grad
                p.get(od).op(')').op('R');
                p.op('t').op('R');
            }
            p.put();
        }
        p.op('u');
        // BUILD: {'_metadata': OrderedDict({'': {'version': 1}})}
        p.op('}').str("_metadata");
        p.get(od).op(')').op('R');
        p.mark().str("").op('}').str("version").integer(1).op('s').op('u');
        p.op('s');
        p.op('b');
        p.stop();
        return p.bytes();
    }

    static List<Storage> distinct(List<TensorSpec> tensors) {
        Map<String, Storage> m = new LinkedHashMap<>();
        for (TensorSpec t : tensors) {
            m.putIfAbsent(t.storage().key(), t.storage());
        }
        return new ArrayList<>(m.values());
    }

    /** A zip-format file; data.pkl is deflated (as some writers do), storages stored. */
    static void writeZip(Path f, String archive, byte[] pickle, List<Storage> storages) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry(archive + "/data.pkl"));
            z.write(pickle);
            z.closeEntry();
            z.putNextEntry(stored(archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII)));
            z.write("little".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
            for (Storage s : storages) {
                z.putNextEntry(stored(archive + "/data/" + s.key(), s.data()));
                z.write(s.data());
                z.closeEntry();
            }
            z.putNextEntry(stored(archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII)));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
    }

    /** A STORED (uncompressed) zip entry for {@code data}, as torch.save writes them. */
    static ZipEntry stored(String name, byte[] data) {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        return e;
    }

    /** The three header pickles of a legacy file: magic number, protocol version, sys_info. */
    static byte[] legacyHeader() {
        PickleBuilder p = new PickleBuilder();
        p.proto(2).bigint(TorchLoader.LEGACY_MAGIC).stop();
        p.proto(2).integer(1001).stop();
        p.proto(2).op('}').put().mark();
        p.str("protocol_version").integer(1001).str("little_endian").op(0x88);
        p.str("type_sizes").op('}').mark().str("short").integer(2).str("int").integer(4).str("long").integer(4)
                .op('u');
        p.op('u').stop();
        return p.bytes();
    }

    /** A legacy-format file: header pickles, main pickle, sorted key list, then the storages. */
    static byte[] legacy(byte[] pickle, List<Storage> storages) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(legacyHeader());
        o.writeBytes(pickle);
        List<Storage> sorted = new ArrayList<>(storages);
        sorted.sort((a, b) -> a.key().compareTo(b.key()));
        PickleBuilder k = new PickleBuilder();
        k.proto(2).op(']').mark();
        for (Storage s : sorted) {
            k.str(s.key());
        }
        k.op('e').stop();
        o.writeBytes(k.bytes());
        for (Storage s : sorted) {
            ByteBuffer n = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(s.data().length / s.elementSize());
            o.writeBytes(n.array());
            o.writeBytes(s.data());
        }
        return o.toByteArray();
    }
}
