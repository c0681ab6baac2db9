package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Photographs as textures, on images the test makes (CI has no photo package):
 * loading and reduction, the training / held-out split, crops, and scenes that
 * wear them.
 */
class PhotoTexturesTest {

    @TempDir
    Path tmp;

    /** A "photograph": smooth colour ramps plus a checker of period {@code period}. */
    private static BufferedImage picture(int w, int h, int period) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int check = ((x / period + y / period) & 1) * 60;
                img.setRGB(x, y, ((x * 255 / w) << 16) | ((y * 195 / h + check) << 8) | (128 + check));
            }
        }
        return img;
    }

    @Test
    void loadsReducesAndSplitsByName() throws IOException {
        for (String n : new String[] {"d.png", "a.jpg", "c.png", "b.png"}) {
            ImageIO.write(picture(900, 600, 7), n.endsWith("jpg") ? "jpg" : "png", tmp.resolve(n).toFile());
        }
        Files.writeString(tmp.resolve("notes.txt"), "not a photograph");
        PhotoTextures all = PhotoTextures.load(tmp);
        assertEquals(List.of("a.jpg", "b.png", "c.png", "d.png"), all.names());
        assertEquals(List.of("c.png"), all.heldOutSet().names());
        assertEquals(List.of("a.jpg", "b.png", "d.png"), all.trainingSet().names());
        PhotoTextures.Photo p = PhotoTextures.read(tmp.resolve("b.png"));
        assertEquals(450, p.width());   // reduced by 2 to at most MAX_SIDE
        assertEquals(300, p.height());
        // the box average keeps the mean colour: red ramps 0..255 across, so about 0.5 on average
        double red = 0;
        for (int i = 0; i < p.width() * p.height(); i++) {
            red += p.rgb()[i];
        }
        assertEquals(0.5, red / (p.width() * p.height()), 0.01);
    }

    @Test
    void missingOrEmptyFoldersSayWhatToInstall() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhotoTextures.load(tmp.resolve("absent")));
        assertTrue(e.getMessage().contains("is not a folder") && e.getMessage().contains("mate-backgrounds"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PhotoTextures.load(tmp));
        assertTrue(e.getMessage().contains("no JPEG or PNG files"), e.getMessage());
        Files.writeString(tmp.resolve("broken.jpg"), "not a JPEG");
        IOException io = assertThrows(IOException.class, () -> PhotoTextures.load(tmp));
        assertTrue(io.getMessage().contains("broken.jpg"), io.getMessage());
        PhotoTextures two = PhotoTextures.of(List.of(photo("x", 3), photo("y", 4)), "two");
        assertThrows(IllegalArgumentException.class, two::heldOutSet);
    }

    static PhotoTextures.Photo photo(String name, int period) {
        BufferedImage img = picture(300, 200, period);
        int n = 300 * 200;
        float[] rgb = new float[3 * n];
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 300; x++) {
                int v = img.getRGB(x, y);
                rgb[y * 300 + x] = ((v >> 16) & 255) / 255f;
                rgb[n + y * 300 + x] = ((v >> 8) & 255) / 255f;
                rgb[2 * n + y * 300 + x] = (v & 255) / 255f;
            }
        }
        return new PhotoTextures.Photo(name, 200, 300, rgb);
    }

    static PhotoTextures photos() {
        List<PhotoTextures.Photo> list = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            list.add(photo("p" + i, 3 + 2 * i));
        }
        return PhotoTextures.of(list, "made by the test");
    }

    @Test
    void cropsAreDeterministicJitteredAndInRange() {
        PhotoTextures p = photos();
        float[] a = p.crop(40, 60, 1, true, new SplittableRandom(3));
        float[] b = p.crop(40, 60, 1, true, new SplittableRandom(3));
        float[] c = p.crop(40, 60, 1, true, new SplittableRandom(4));
        assertEquals(3 * 40 * 60, a.length);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        for (float v : a) {
            assertTrue(v >= 0 && v <= 1, "colour " + v);
        }
        // larger than the photograph: still the size asked for
        assertEquals(3 * 500 * 700, p.crop(500, 700, 0, false, new SplittableRandom(1)).length);
    }

    @Test
    void scenesWearPhotographsDeterministically() {
        PhotoTextures p = photos();
        SyntheticSegmentation.Scene a = SyntheticSegmentation.render(96, 128, 11, p);
        SyntheticSegmentation.Scene b = SyntheticSegmentation.render(96, 128, 11, p);
        SyntheticSegmentation.Scene procedural = SyntheticSegmentation.render(96, 128, 11);
        assertArrayEquals(a.rgb(), b.rgb());
        assertArrayEquals(a.labels(), b.labels());
        assertFalse(Arrays.equals(a.rgb(), procedural.rgb()), "the photographs changed nothing");
        int withObjects = 0;
        for (int k = 0; k < 6; k++) {
            SyntheticSegmentation.Scene s = SyntheticSegmentation.render(96, 128, 100 + k, p);
            for (float v : s.rgb()) {
                assertTrue(v >= 0 && v <= 1, "colour " + v);
            }
            withObjects += Arrays.stream(s.labels()).anyMatch(l -> l == 1) ? 1 : 0;
        }
        assertEquals(6, withObjects);
    }
}
