package org.jpac.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.jpac.io.images.Image;
import org.jpac.io.images.Npy;
import org.jpac.io.images.NpyLayout;
import org.jpac.io.images.Pfm;
import org.jpac.io.images.Png;

/** One write in each format jpac writes, by a name that is also the file's extension; each well over 4 KiB. */
public final class TestWriters {

    /** Writes a file. */
    public interface Writer {
        void write(Path file) throws IOException;
    }

    static final int H = 64;
    static final int W = 64;

    public static final Map<String, Writer> ALL = new LinkedHashMap<>();

    static {
        ALL.put("png", f -> Png.write(f, Image.of(noise(3 * H * W, 255), 3, H, W), 8));
        ALL.put("labels.png", f -> {
            int[] labels = new int[H * W];
            float[] n = noise(H * W, 255);
            int[] palette = new int[256];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (int) n[i];
            }
            for (int i = 0; i < palette.length; i++) {
                palette[i] = i * 0x010101;
            }
            Png.writeIndexed(f, labels, H, W, palette);
        });
        ALL.put("npy", f -> Npy.write(f, Image.of(noise(H * W, 1), 1, H, W), NpyLayout.AUTO));
        ALL.put("pfm", f -> Pfm.write(f, Image.of(noise(H * W, 1), 1, H, W)));
        ALL.put("weights.safetensors", f -> WeightFiles.save(f, new StateDict().put("w", noise(H * W, 1), H, W)));
        ALL.put("safetensors", f -> {
            try (Tensor t = Tensor.of(noise(H * W, 1), H, W)) {
                SafeTensors.write(f, Map.of("w", t), Map.of());
            }
        });
    }

    private TestWriters() {
    }

    /**
     * Noise, the same every time, so that a PNG stays large after compression:
     * integers 0..max, or floats in [0, 1) when {@code max} is 1.
     */
    static float[] noise(int n, int max) {
        Random r = new Random(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = max == 1 ? r.nextFloat() : r.nextInt(max + 1);
        }
        return v;
    }
}
