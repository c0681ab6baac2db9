package org.jpac.io.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of PNG (8 and 16 bits), .npy and PFM, and one-line errors on hostile files. */
class ImagesTest {

    @TempDir
    Path tmp;

    private static float[] samples(int n, int max, long seed) {
        Random r = new Random(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextInt(max + 1);
        }
        return d;
    }

    private static float[] floats(int n, long seed) {
        Random r = new Random(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) (r.nextGaussian() * 100);
        }
        return d;
    }

    @Test
    void png8BitGreyAndRgbRoundTrip() throws IOException {
        for (int c : new int[] {1, 3}) {
            float[] d = samples(c * 7 * 5, 255, c);
            Path f = tmp.resolve("p8_" + c + ".png");
            Images.write(f, Image.of(d, c, 7, 5), 8, NpyLayout.AUTO);
            assertEquals(ImageFormat.PNG, Images.detect(f));
            Image back = Images.read(f);
            assertEquals(c, back.channels());
            assertEquals(7, back.height());
            assertEquals(5, back.width());
            assertEquals(8, back.bitDepth());
            assertEquals(ImageFormat.PNG, back.format());
            assertFalse(back.hasAlpha());
            assertArrayEquals(d, back.data());
        }
    }

    @Test
    void png16BitKeepsAllSixteenBits() throws IOException {
        for (int c : new int[] {1, 3}) {
            float[] d = samples(c * 6 * 9, 65535, 10 + c);
            d[0] = 65535;
            d[1] = 1;
            d[2] = 256;
            d[3] = 40001; // not a multiple of 257: an 8-bit detour would lose it
            Path f = tmp.resolve("p16_" + c + ".png");
            Png.write(f, Image.of(d, c, 6, 9), 16);
            Image back = Images.read(f);
            assertEquals(16, back.bitDepth());
            assertEquals(65535.0, back.maxSample());
            assertEquals(c, back.channels());
            assertArrayEquals(d, back.data());
            assertEquals(40001f / 65535f, back.normalized().data()[3], 1e-7);
            assertEquals(40.001f, back.scaled(1000).data()[3], 1e-6);
        }
    }

    @Test
    void pngWritingRoundsAndClamps() throws IOException {
        Path f = tmp.resolve("clamp.png");
        Png.write(f, Image.of(new float[] {-3f, 2.4f, 2.6f, 300f, Float.NaN, 255f}, 1, 2, 3), 8);
        assertArrayEquals(new float[] {0, 2, 3, 255, 0, 255}, Images.read(f).data());
    }

    @Test
    void pngWithAlphaIsFlaggedAndDropped() throws IOException {
        float[] d = samples(4 * 3 * 3, 255, 5);
        Path f = tmp.resolve("rgba.png");
        Image rgba = Image.ofSamples(d, 4, 3, 3, 8).withSource(null, 8, true, null);
        Png.write(f, rgba, 8);
        Image back = Images.read(f);
        assertEquals(4, back.channels());
        assertTrue(back.hasAlpha());
        assertArrayEquals(d, back.data());
        Image rgb = back.withoutAlpha();
        assertEquals(3, rgb.channels());
        assertArrayEquals(Arrays.copyOf(d, 27), rgb.data());
    }

    @Test
    void aTwoChannelImageIsNoPng() {
        Image flow = Image.of(new float[2 * 4], 2, 2, 2);
        IOException e = assertThrows(IOException.class, () -> Png.write(tmp.resolve("flow.png"), flow, 8));
        assertTrue(e.getMessage().contains("write it as .npy"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("flow.png")));
    }

    @Test
    void palettePngGivesColoursOrIndices() throws IOException {
        int[] labels = {0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 2};
        int[] palette = {0x000000, 0x800000, 0x008000, 0x808000, 0x000080};
        Path f = tmp.resolve("labels.png");
        Png.writeIndexed(f, labels, 3, 4, palette);
        int[] size = new int[2];
        assertArrayEquals(labels, Png.readIndices(f, size));
        assertArrayEquals(new int[] {3, 4}, size);
        Image rgb = Images.read(f);
        assertEquals(3, rgb.channels());
        assertEquals(0x80, rgb.get(0, 0, 1), 0);
        assertEquals(0x80, rgb.get(2, 1, 0), 0); // label 4: blue 0x80
    }

    @Test
    void npyFloat32RoundTripsInEveryLayout() throws IOException {
        float[] grey = floats(5 * 4, 1);
        Path g = tmp.resolve("grey.npy");
        Npy.write(g, Image.of(grey, 1, 5, 4), NpyLayout.AUTO);
        Npy.Array a = Npy.readArray(g);
        assertArrayEquals(new long[] {5, 4}, a.shape());
        Image back = Images.read(g);
        assertEquals(1, back.channels());
        assertEquals(0, back.bitDepth());
        assertArrayEquals(grey, back.data());

        float[] flow = floats(2 * 6 * 7, 2);
        for (NpyLayout l : new NpyLayout[] {NpyLayout.HWC, NpyLayout.CHW}) {
            Path f = tmp.resolve("flow_" + l + ".npy");
            Npy.write(f, Image.of(flow, 2, 6, 7), l);
            long[] shape = Npy.readArray(f).shape();
            assertArrayEquals(l == NpyLayout.HWC ? new long[] {6, 7, 2} : new long[] {2, 6, 7}, shape);
            Image b = Images.read(f); // AUTO: last dimension <= 4 means channels last
            assertEquals(2, b.channels());
            assertEquals(6, b.height());
            assertEquals(7, b.width());
            assertEquals(l, b.npyLayout());
            assertArrayEquals(flow, b.data());
        }
        // 21 class scores (C, H, W): AUTO reads them channels-first
        float[] scores = floats(21 * 5 * 6, 3);
        Path s = tmp.resolve("scores.npy");
        Npy.writeArray(s, scores, 21, 5, 6);
        Image sc = Images.read(s);
        assertEquals(21, sc.channels());
        assertArrayEquals(scores, sc.data());
        // a tiny 3x3x3 array is ambiguous: AUTO takes HWC, CHW can be asked for
        Path t = tmp.resolve("tiny.npy");
        Npy.writeArray(t, floats(27, 4), 3, 3, 3);
        assertEquals(NpyLayout.HWC, Images.read(t).npyLayout());
        assertEquals(NpyLayout.CHW, Images.read(t, NpyLayout.CHW).npyLayout());
    }

    @Test
    void npyHeaderIsAlignedAndNumpyStyle() throws IOException {
        Path f = tmp.resolve("h.npy");
        Npy.writeArray(f, new float[6], 2, 3);
        byte[] b = Files.readAllBytes(f);
        int hlen = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + hlen) % 64);
        String header = new String(b, 10, hlen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + hlen + 24, b.length);
    }

    /** A .npy file with the given header dict and data bytes. */
    private Path npy(String name, String dict, byte[] data) throws IOException {
        String h = dict;
        int pad = (64 - (10 + h.length() + 1) % 64) % 64;
        h = h + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Npy.MAGIC);
        out.write(new byte[] {1, 0, (byte) h.length(), (byte) (h.length() >> 8)});
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        Path f = tmp.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void npyHeaderGivingAKeyTwiceIsRefused() throws IOException {
        // numpy takes the last 'shape' (2, 2), a first-match reader the first: refuse instead of guessing
        Path twice = npy("twice.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), 'shape': (2, 2), }",
                new byte[16]);
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(twice)), "twice.npy",
                "gives 'shape' more than once");
        Path descr = npy("descr.npy", "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
                new byte[16]);
        oneLine(assertThrows(ImageFormatException.class, () -> Npy.readArray(descr)), "gives 'descr' more than once");
    }

    @Test
    void sizesComeFromTheHeadersAlone() throws IOException {
        Path png = tmp.resolve("s.png");
        Png.write(png, Image.of(samples(3 * 5 * 7, 255, 1), 3, 5, 7), 8);
        Path hwc = npy("hwc.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 7, 2), }", new byte[280]);
        Path pfm = tmp.resolve("s.pfm");
        Pfm.write(pfm, Image.of(floats(5 * 7, 2), 1, 5, 7));
        for (Path f : new Path[] {png, hwc, pfm}) {
            assertEquals(new Images.Size(5, 7), Images.size(f, NpyLayout.AUTO), f.toString());
            Image img = Images.read(f);
            assertEquals(new Images.Size(img.height(), img.width()), Images.size(f, NpyLayout.AUTO));
        }
        assertEquals(new Images.Size(7, 2), Images.size(hwc, NpyLayout.CHW));
        assertEquals("7x5", Images.size(png, NpyLayout.AUTO).toString());
        // a PNG's IHDR is all that is read: its (undecodable) pixel data is never touched
        Path huge = hugePng(7000, 7000);
        assertEquals(new Images.Size(7000, 7000), Images.size(huge, NpyLayout.AUTO));
    }

    @Test
    void npyReadsFloat64Uint8Uint16AndBigEndian() throws IOException {
        ByteBuffer f8 = ByteBuffer.allocate(4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : new double[] {1.5, -2.25, 1e-3, 7}) {
            f8.putDouble(v);
        }
        Image a = Images.read(npy("f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                f8.array()));
        assertArrayEquals(new float[] {1.5f, -2.25f, 1e-3f, 7f}, a.data());
        assertEquals(0, a.bitDepth());

        Image b = Images.read(npy("u1.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                new byte[] {0, (byte) 200, (byte) 255}));
        assertArrayEquals(new float[] {0, 200, 255}, b.data());
        assertEquals(8, b.bitDepth());

        ByteBuffer u2 = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        u2.putShort((short) 65535).putShort((short) 1000).putShort((short) 40001);
        Image c = Images.read(npy("u2.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (3, 1), }",
                u2.array()));
        assertArrayEquals(new float[] {65535, 1000, 40001}, c.data());
        assertEquals(16, c.bitDepth());

        ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
        be.putFloat(3.25f).putFloat(-1f);
        assertArrayEquals(new float[] {3.25f, -1f}, Images.read(npy("be.npy",
                "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", be.array())).data());
    }

    @Test
    void pfmRoundTripsGreyAndRgb() throws IOException {
        for (int c : new int[] {1, 3}) {
            float[] d = floats(c * 4 * 6, 20 + c);
            Path f = tmp.resolve("x" + c + ".pfm");
            Images.write(f, Image.of(d, c, 4, 6), 16, NpyLayout.AUTO);
            assertEquals(ImageFormat.PFM, Images.detect(f));
            Image back = Images.read(f);
            assertEquals(c, back.channels());
            assertEquals(4, back.height());
            assertEquals(6, back.width());
            assertArrayEquals(d, back.data());
        }
    }

    @Test
    void pfmRowsRunBottomUpAndBigEndianIsRead() throws IOException {
        // 2x2 grey, big-endian (positive scale), bottom row first
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("Pf\n2 2\n1.0\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        b.putFloat(3).putFloat(4).putFloat(1).putFloat(2);
        out.write(b.array());
        Path f = tmp.resolve("be.pfm");
        Files.write(f, out.toByteArray());
        assertArrayEquals(new float[] {1, 2, 3, 4}, Images.read(f).data());
    }

    @Test
    void pfmWithCrlfLineEndsIsReadFromTheRightByte() throws IOException {
        // a header saved with Windows line ends: the LF after the scale is not the first data byte
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(3).putFloat(4).putFloat(1).putFloat(2);
        Path f = tmp.resolve("crlf.pfm");
        Files.write(f, pfm("Pf\r\n2 2\r\n-1.0\r\n", b.array()));
        assertArrayEquals(new float[] {1, 2, 3, 4}, Images.read(f).data());
        // a lone CR ends the header too; the data may then start with the byte 0x0a
        ByteBuffer lf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x0a);
        Path cr = tmp.resolve("cr.pfm");
        Files.write(cr, pfm("Pf\r1 1\r-1.0\r", lf.array()));
        assertArrayEquals(new float[] {Float.intBitsToFloat(0x0a)}, Images.read(cr).data());
    }

    @Test
    void pfmWithMoreDataThanItsHeaderDeclaresIsRefused() throws IOException {
        Path trailing = tmp.resolve("trailing.pfm");
        Files.write(trailing, pfm("Pf\n2 2\n-1.0\n", new byte[16 + 100]));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(trailing)), "trailing.pfm",
                "longer than its header declares", "needs 16 bytes", "holds 116");
        Path small = tmp.resolve("small.pfm");
        Files.write(small, pfm("PF\n2 2\n-1.0\n", new byte[4 * 3 * 3 * 4]));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.size(small, NpyLayout.AUTO)), "small.pfm",
                "needs 48 bytes", "holds 144");
    }

    private static byte[] pfm(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(h, h.length + data.length);
        System.arraycopy(data, 0, all, h.length, data.length);
        return all;
    }

    // ---- hostile files ----------------------------------------------------------------

    private static void oneLine(IOException e, String... fragments) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + m + "' lacks '" + f + "'");
        }
    }

    @Test
    void missingEmptyAndForeignFiles() throws IOException {
        assertThrows(NoSuchFileException.class, () -> Images.read(tmp.resolve("nope.png")));
        Path empty = Files.createFile(tmp.resolve("empty.png"));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(empty)), "empty.png", "empty file");
        Path text = tmp.resolve("notes.png");
        Files.writeString(text, "hello, this is text");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(text)), "notes.png",
                "not a PNG, .npy or PFM file");
        oneLine(assertThrows(IOException.class, () -> Images.read(tmp)), "directory");
    }

    @Test
    void truncatedAndCorruptPngs() throws IOException {
        Path good = tmp.resolve("good.png");
        Png.write(good, Image.of(samples(3 * 40 * 30, 255, 9), 3, 40, 30), 8);
        byte[] b = Files.readAllBytes(good);
        Path half = tmp.resolve("half.png");
        Files.write(half, Arrays.copyOf(b, b.length / 2));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(half)), "half.png", "PNG");
        Path sig = tmp.resolve("sig.png");
        Files.write(sig, Arrays.copyOf(b, 12));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(sig)), "sig.png");
        byte[] garbled = b.clone();
        for (int i = 60; i < garbled.length - 20; i += 7) {
            garbled[i] ^= 0x5a;
        }
        Path bad = tmp.resolve("garbled.png");
        Files.write(bad, garbled);
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(bad)), "garbled.png");
    }

    @Test
    void aPngChunkFailingItsCrcIsRefused() throws IOException {
        // before: ImageIO checks no CRC, and a flipped PLTE byte silently changed the colours
        byte[] good = PngFiles.palette(2, 1, new byte[] {10, 20, 30, 40, 50, 60}, new byte[] {0, 1});
        Path ok = tmp.resolve("ok.png");
        Files.write(ok, good);
        assertArrayEquals(new float[] {10, 40, 20, 50, 30, 60}, Images.read(ok).data());
        for (String type : new String[] {"IHDR", "PLTE", "IDAT"}) {
            byte[] bad = good.clone();
            int at = PngFiles.chunkData(bad, type);
            if (type.equals("IDAT")) {
                bad[at + ByteBuffer.wrap(bad, at - 8, 4).getInt() + 3] ^= 1; // the data intact, its CRC not
            } else {
                bad[at + 1] ^= 1;
            }
            Path f = tmp.resolve("bad-" + type + ".png");
            Files.write(f, bad);
            oneLine(assertThrows(ImageFormatException.class, () -> Images.read(f)), f.toString(),
                    "corrupt PNG: chunk " + type + " fails its CRC check");
            oneLine(assertThrows(ImageFormatException.class, () -> Png.read(bad, "row 3")), "row 3: corrupt PNG: chunk "
                    + type + " fails its CRC check");
        }
        Path ihdr = tmp.resolve("bad-IHDR.png");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.size(ihdr, NpyLayout.AUTO)), "bad-IHDR.png",
                "chunk IHDR fails its CRC check");
    }

    @Test
    void aPaletteIndexWithoutAColourIsRefused() throws IOException {
        // before: clamped to the last colour; ImageIO pads a 3-colour palette to 4, so index 3 got colour 2
        byte[] rgb = {10, 20, 30, 40, 50, 60, 70, 80, 90};
        for (int index : new int[] {3, 200}) {
            Path f = tmp.resolve("index" + index + ".png");
            Files.write(f, PngFiles.palette(3, 1, rgb, new byte[] {0, 2, (byte) index}));
            oneLine(assertThrows(ImageFormatException.class, () -> Images.read(f)), f.toString(),
                    "pixel (2, 0) has palette index " + index + ", the palette holds 3 colours");
            oneLine(assertThrows(ImageFormatException.class, () -> Png.readIndices(f, null)), f.toString(),
                    "palette index " + index);
        }
        Path ok = tmp.resolve("index2.png");
        Files.write(ok, PngFiles.palette(3, 1, rgb, new byte[] {0, 2, 1}));
        assertArrayEquals(new int[] {0, 2, 1}, Png.readIndices(ok, null));
    }

    @Test
    void pngBytesInMemoryMatchTheFileForms() throws IOException {
        float[] d = samples(3 * 6 * 9, 65535, 21);
        Image img = Image.of(d, 3, 6, 9);
        byte[] encoded = Png.encode(img, 16);
        Path f = tmp.resolve("same.png");
        Png.write(f, img, 16);
        Image fromBytes = Png.read(encoded, "column:guide");
        assertEquals(16, fromBytes.bitDepth());
        assertEquals(ImageFormat.PNG, fromBytes.format());
        assertArrayEquals(d, fromBytes.data());
        assertArrayEquals(Images.read(f).data(), Png.read(Files.readAllBytes(f), "f").data());
        oneLine(assertThrows(ImageFormatException.class, () -> Png.read(new byte[0], "row 7")), "row 7",
                "empty");
        oneLine(assertThrows(ImageFormatException.class,
                () -> Png.read(Arrays.copyOf(encoded, encoded.length / 2), "row 8")), "row 8", "PNG");
        oneLine(assertThrows(ImageFormatException.class,
                () -> Png.read(Files.readAllBytes(hugePng(100_000, 100_000)), "row 9")), "row 9", "too large");
        assertThrows(ImageFormatException.class, () -> Png.encode(Image.of(new float[5 * 4], 5, 2, 2), 16));
        assertThrows(IllegalArgumentException.class, () -> Png.encode(img, 12));
    }

    @Test
    void aPngDeclaringAHugeSizeIsRefusedBeforeDecoding() throws IOException {
        Path f = hugePng(100_000, 100_000);
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(f)), "huge.png", "too large");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.size(f, NpyLayout.AUTO)), "huge.png",
                "too large");
    }

    private Path hugePng(int w, int h) throws IOException {
        return PngFiles.declaringSize(tmp.resolve("huge.png"), w, h);
    }

    @Test
    void aSmallPngDeclaringMoreRowsThanItsDataCanHoldIsRefusedBeforeDecoding() throws IOException {
        // found by ImageReadersFuzzTest: 6 x 2,097,157 RGB is within the size limit, and the decoder
        // allocated its 36 MiB raster for this 60-byte file before finding the data missing
        Path f = PngFiles.declaringSize(tmp.resolve("tall.png"), 6, 0x200005, 8);
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(f)), "tall.png", "6x2097157",
                "more than a");
    }

    @Test
    void hostileNpyFiles() throws IOException {
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("fortran.npy",
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]))), "Fortran");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("short.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (20, 20), }", new byte[16]))), "short.npy",
                "truncated");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("dtype.npy",
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", new byte[16]))), "dtype '<i8'");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("huge.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 3), }", new byte[16]))),
                "too large");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("overflow.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 4), }", new byte[16]))),
                "too large");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("neg.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2), }", new byte[16]))), "bad .npy shape");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("zero.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", new byte[0]))), "empty array");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("rank5.npy",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 1, 1, 1), }", new byte[8]))),
                "expected an array of shape");
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(npy("nodescr.npy",
                "{'fortran_order': False, 'shape': (1,), }", new byte[4]))), "no 'descr'");
        Path badLen = tmp.resolve("badlen.npy");
        Files.write(badLen, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, (byte) 0xff, '{'});
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(badLen)), "header length");
    }

    @Test
    void npyShapesThatAreNoPythonTupleAreRefused() throws IOException {
        // before: empty entries were skipped and a sign accepted, so both read as (3, 4)
        for (String shape : new String[] {"(3,, 4)", "(+3, 4)", "(,3, 4)", "(3, 4,,)"}) {
            Path f = npy("shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }",
                    new byte[48]);
            oneLine(assertThrows(ImageFormatException.class, () -> Images.read(f), shape), "shape.npy",
                    "bad .npy shape " + shape);
        }
        Path ok = npy("ok.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4,), }", new byte[48]);
        assertEquals(4, Images.read(ok).width());
        Path old = npy("old.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }", new byte[48]);
        assertEquals(3, Images.read(old).height());
    }

    @Test
    void hostilePfmFiles() throws IOException {
        Path t = tmp.resolve("t.pfm");
        Files.write(t, "PF\n4 4\n-1.0\n".getBytes(StandardCharsets.US_ASCII));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(t)), "truncated PFM data");
        Path s = tmp.resolve("s.pfm");
        Files.write(s, "Pf\n-4 x\n-1.0\n".getBytes(StandardCharsets.US_ASCII));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(s)), "bad PFM header");
        Path big = tmp.resolve("big.pfm");
        Files.write(big, "PF\n2000000000 2000000000\n-1.0\n".getBytes(StandardCharsets.US_ASCII));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(big)), "too large");
        Path z = tmp.resolve("z.pfm");
        Files.write(z, "Pf\n2 2\n0\n".getBytes(StandardCharsets.US_ASCII));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(z)), "scale");
        Path h = tmp.resolve("h.pfm");
        Files.write(h, "Pf 3".getBytes(StandardCharsets.US_ASCII));
        oneLine(assertThrows(ImageFormatException.class, () -> Images.read(h)), "truncated PFM header");
    }

    @Test
    void writingByExtension() throws IOException {
        Image img = Image.of(floats(12, 30), 1, 3, 4);
        IOException e = assertThrows(IOException.class, () -> Images.write(tmp.resolve("x.tiff"), img, 8,
                NpyLayout.AUTO));
        oneLine(e, "use .png, .npy or .pfm");
        Images.write(tmp.resolve("X.NPY"), img, 8, NpyLayout.AUTO);
        assertArrayEquals(img.data(), Images.read(tmp.resolve("X.NPY")).data());
        assertThrows(ImageFormatException.class, () -> Pfm.write(tmp.resolve("f.pfm"),
                Image.of(new float[8], 2, 2, 2)));
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("pipe.png");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "no mkfifo");
        try {
            IOException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(20), () -> assertThrows(IOException.class, () -> Images.read(fifo)));
            assertTrue(e.getMessage().contains(fifo.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        } finally {
            // a reader left blocked by a failure gets its end of file (opening read-write does not block)
            new ProcessBuilder("sh", "-c", ": 1<> \"$1\"", "sh", fifo.toString()).start().waitFor();
        }
    }
}
