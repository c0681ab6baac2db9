package org.jpac.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.jpac.internal.InputFiles;
import org.jpac.internal.Json;

/**
 * Loads network weights from any supported file, recognised by its content
 * (not its name): safetensors, a PyTorch zip-format state dict, or a legacy
 * (pre-1.6) PyTorch state dict. Saves state dicts as safetensors (F32).
 */
public final class WeightFiles {

    private WeightFiles() {
    }

    /** The formats {@link #load} reads. */
    public enum Format {
        /** A safetensors file (JSON header, raw little-endian tensors). */
        SAFETENSORS,
        /** PyTorch's zip format ({@code torch.save} since 1.6). */
        TORCH_ZIP,
        /** PyTorch's legacy format (pickles and raw storages, before 1.6). */
        TORCH_LEGACY
    }

    /** Recognises a file's format from its first bytes; IOException if it is none of them. */
    public static Format detect(Path path) throws IOException {
        byte[] h = head(path, 16);
        if (h.length >= 9 && h[8] == '{') {
            long n = ByteBuffer.wrap(h, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n >= 2 && n <= Files.size(path) - 8) {
                return Format.SAFETENSORS;
            }
        }
        if (h.length >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
            return Format.TORCH_ZIP;
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x80) {
            return Format.TORCH_LEGACY;
        }
        throw new IOException(path + ": unrecognised weight file (not safetensors, nor a PyTorch zip or legacy "
                + "file)");
    }

    /**
     * Loads every tensor of a weight file as float. For safetensors the names
     * are in sorted order; for PyTorch files in the state dict's order.
     */
    public static StateDict load(Path path) throws IOException {
        return switch (detect(path)) {
            case SAFETENSORS -> loadSafeTensors(path);
            case TORCH_ZIP -> TorchLoader.loadZip(path, TorchPickle.Limits.DEFAULT);
            case TORCH_LEGACY -> TorchLoader.loadLegacy(path, TorchPickle.Limits.DEFAULT);
        };
    }

    private static StateDict loadSafeTensors(Path path) throws IOException {
        StateDict sd = new StateDict();
        try (SafeTensors st = SafeTensors.open(path)) {
            for (String name : st.names()) {
                sd.put(name, new TensorData(st.readFloats(name), st.entry(name).shape()));
            }
        }
        return sd;
    }

    /** Saves as safetensors with F32 data. */
    public static void save(Path path, StateDict dict) throws IOException {
        save(path, dict, Map.of());
    }

    /**
     * Saves as safetensors with F32 data, tensors in the dict's order, and
     * optional string metadata. Rank-0 and empty tensors are kept as they are.
     * Written by {@link AtomicFiles}: a failed save leaves whatever was at
     * {@code path} as it was.
     */
    public static void save(Path path, StateDict dict, Map<String, String> metadata) throws IOException {
        String meta = SafeTensors.metadataEntry(metadata);
        StringBuilder h = new StringBuilder("{").append(meta);
        boolean first = meta.isEmpty();
        long off = 0;
        for (Map.Entry<String, TensorData> e : dict.asMap().entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("state dict key '__metadata__' is reserved by safetensors");
            }
            TensorData t = e.getValue();
            long bytes = (long) t.numel() * Float.BYTES;
            h.append(first ? "" : ",").append(Json.quote(e.getKey())).append(":{\"dtype\":\"F32\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                h.append(i == 0 ? "" : ",").append(shape[i]);
            }
            h.append("],\"data_offsets\":[").append(off).append(',').append(off + bytes).append("]}");
            off += bytes;
            first = false;
        }
        h.append('}');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - hb.length % 8) % 8; // keeps the data 8-byte aligned
        AtomicFiles.write(path, out -> {
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(hb.length + pad);
            out.write(b.array(), 0, 8);
            out.write(hb);
            out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            b.clear();
            for (TensorData t : dict.asMap().values()) {
                for (float v : t.data()) {
                    if (!b.hasRemaining()) {
                        out.write(b.array(), 0, b.position());
                        b.clear();
                    }
                    b.putFloat(v);
                }
            }
            out.write(b.array(), 0, b.position());
        });
    }

    /** Throws a one-line IOException naming {@code path} when it is missing, not a regular file or unreadable. */
    static void checkReadable(Path path) throws IOException {
        InputFiles.checkReadable(path, "a weight file");
    }

    /** Up to {@code n} bytes from the start of the file, which must be a readable regular file. */
    static byte[] head(Path path, int n) throws IOException {
        checkReadable(path);
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(n);
        }
    }
}
