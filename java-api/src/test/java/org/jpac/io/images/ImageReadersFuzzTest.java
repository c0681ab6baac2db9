package org.jpac.io.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.jpac.fuzz.FileReaderCase;
import org.jpac.fuzz.FuzzInputs;
import org.jpac.fuzz.FuzzSettings;
import org.jpac.fuzz.SeedFiles;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes the PNG, {@code .npy} and PFM readers with random bytes and mutated
 * valid files: each read returns or throws an IOException, within the time and
 * allocation bounds of {@link FileReaderCase}.
 */
@AddLifecycleHook(FuzzSettings.class)
class ImageReadersFuzzTest {

    /**
     * Bytes a reader may allocate per input byte: float samples from 8-bit data
     * (4) and a copy or two of them. PNG's data is deflated, so its bound is the
     * deflate limit (1032 bytes out per byte in) times that.
     */
    private static final long PER_BYTE = 64;
    private static final long PNG_PER_BYTE = 1032 * PER_BYTE;

    private static final List<byte[]> PNG_SEEDS = pngSeeds();
    private static final List<byte[]> NPY_SEEDS = npySeeds();
    private static final List<byte[]> PFM_SEEDS = pfmSeeds();

    @Property(tries = 4000)
    void pngReader(@ForAll("png") byte[] input) {
        FileReaderCase.check("Png.read", input, ".png", PNG_PER_BYTE, f -> {
            Images.read(f);
            Png.readIndices(f, new int[2]);
        });
    }

    @Property(tries = 6000)
    void npyReader(@ForAll("npy") byte[] input, @ForAll NpyLayout layout) {
        FileReaderCase.check("Npy.read", input, ".npy", PER_BYTE, f -> Images.read(f, layout));
    }

    @Property(tries = 5000)
    void pfmReader(@ForAll("pfm") byte[] input) {
        FileReaderCase.check("Pfm.read", input, ".pfm", PER_BYTE, Images::read);
    }

    @Provide
    Arbitrary<byte[]> png() {
        return FuzzInputs.forFormat(Png.SIGNATURE, PNG_SEEDS);
    }

    @Provide
    Arbitrary<byte[]> npy() {
        return FuzzInputs.forFormat(Npy.MAGIC, NPY_SEEDS);
    }

    @Provide
    Arbitrary<byte[]> pfm() {
        return FuzzInputs.forFormat("PF\n".getBytes(StandardCharsets.US_ASCII), PFM_SEEDS);
    }

    // ---- valid files --------------------------------------------------------------

    private static float[] ramp(int n, int max) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (i * 37L) % (max + 1);
        }
        return d;
    }

    /** 8-bit RGB, 16-bit grey, 8-bit RGBA, 16-bit grey+alpha, palette, 1-bit and Adam7-interlaced PNGs. */
    private static List<byte[]> pngSeeds() {
        return SeedFiles.written(".png", List.of(
                f -> Png.write(f, Image.of(ramp(3 * 5 * 6, 255), 3, 5, 6), 8),
                f -> Png.write(f, Image.of(ramp(4 * 3, 65535), 1, 4, 3), 16),
                f -> Png.write(f, Image.ofSamples(ramp(4 * 3 * 2, 255), 4, 3, 2, 8)
                        .withSource(ImageFormat.PNG, 8, true, null), 8),
                f -> Png.write(f, Image.ofSamples(ramp(2 * 2 * 3, 65535), 2, 2, 3, 16)
                        .withSource(ImageFormat.PNG, 16, true, null), 16),
                f -> Png.writeIndexed(f, new int[] {0, 1, 2, 3, 2, 1}, 2, 3,
                        new int[] {0x000000, 0xff0000, 0x00ff00, 0x0000ff}),
                f -> imageIo(f, bits1(), false),
                f -> imageIo(f, rgb(7, 5), true)));
    }

    private static BufferedImage bits1() {
        BufferedImage img = new BufferedImage(9, 3, BufferedImage.TYPE_BYTE_BINARY);
        for (int x = 0; x < 9; x += 2) {
            img.setRGB(x, 1, 0xffffff);
        }
        return img;
    }

    private static BufferedImage rgb(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 40) << 16 | (y * 50) << 8 | (x + y) * 20);
            }
        }
        return img;
    }

    /** Writes a PNG through ImageIO itself, optionally interlaced (Adam7), which jpac's writer never does. */
    private static void imageIo(Path f, BufferedImage img, boolean interlaced) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(f))) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            if (interlaced) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
    }

    /** float32 in 2, 3 and 4 dimensions, float64, big-endian uint16, uint8 in a version-2 header, version 3. */
    private static List<byte[]> npySeeds() {
        List<byte[]> l = new ArrayList<>(SeedFiles.written(".npy", List.of(
                f -> Npy.writeArray(f, ramp(12, 100), 3, 4),
                f -> Npy.writeArray(f, ramp(12, 100), 2, 3, 2),
                f -> Npy.writeArray(f, ramp(24, 100), 1, 2, 3, 4))));
        l.add(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", doubles(0.5, -1, 2, 1e30)));
        l.add(npy(1, "{'descr': '>u2', 'fortran_order': False, 'shape': (3, 2), }",
                new byte[] {0, 1, 0, 2, (byte) 0xff, (byte) 0xff, 1, 0, 0, 0, 0x7f, 0}));
        l.add(npy(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 1), }", new byte[] {1, 2, 3, 4, 5, 6}));
        l.add(npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", new byte[20]));
        return l;
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) {
            b.putDouble(d);
        }
        return b.array();
    }

    private static byte[] npy(int version, String dict, byte[] data) {
        byte[] h = (dict + "\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Npy.MAGIC);
        out.write(version);
        out.write(0);
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length);
        out.write(len.array(), 0, version == 1 ? 2 : 4);
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Grey and RGB little-endian, as written, and a big-endian RGB map. */
    private static List<byte[]> pfmSeeds() {
        List<byte[]> l = new ArrayList<>(SeedFiles.written(".pfm", List.of(
                f -> Pfm.write(f, Image.of(ramp(6, 9), 1, 2, 3)),
                f -> Pfm.write(f, Image.of(ramp(12, 9), 3, 2, 2)))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("PF\n2 1\n1.0\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 6; i++) {
            b.putFloat(i * 0.25f);
        }
        out.writeBytes(b.array());
        l.add(out.toByteArray());
        return l;
    }
}
