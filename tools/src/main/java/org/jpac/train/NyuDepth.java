package org.jpac.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * NYU Depth V2 as extracted PNG files: {@code DIR/rgb/NAME.png} (8-bit colour)
 * and {@code DIR/depth/NAME.png} (16-bit greyscale, millimetres), paired by
 * name. Depth is given in metres; 0 (no measurement) stays 0. Every file is
 * checked before it is decoded ({@link ImageFiles}); an image pair whose sizes
 * differ or that is smaller than the crop is an {@link IOException}.
 */
public final class NyuDepth implements SampleSource {

    private final Path dir;
    private final List<String> names;

    /**
     * Lists the image pairs of a folder (files are checked when read).
     *
     * @param dir the folder holding {@code rgb/} and {@code depth/}
     * @throws IOException if a folder is missing or no rgb image has a depth image of the same name
     */
    public NyuDepth(Path dir) throws IOException {
        this.dir = dir;
        Path rgb = dir.resolve("rgb");
        Path depth = dir.resolve("depth");
        if (!Files.isDirectory(rgb) || !Files.isDirectory(depth)) {
            throw new IOException(dir + ": expected the folders rgb/ and depth/ (NYU Depth V2 extracted as PNG)");
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(rgb)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".png") && Files.isRegularFile(depth.resolve(n))) {
                    found.add(n);
                }
            }
        }
        if (found.isEmpty()) {
            throw new IOException(dir + ": no rgb/NAME.png with a matching depth/NAME.png");
        }
        names = List.copyOf(found);
    }

    /** Whether {@code dir} looks like this layout (has rgb/ and depth/). */
    public static boolean looksLike(Path dir) {
        return Files.isDirectory(dir.resolve("rgb")) && Files.isDirectory(dir.resolve("depth"));
    }

    @Override
    public long size() {
        return names.size();
    }

    @Override
    public int targetChannels() {
        return 1;
    }

    /** The whole image pair {@code id} (in name order). */
    public Sample image(long id) throws IOException {
        String n = names.get(Math.toIntExact(id));
        int[] cs = new int[2];
        int[] ds = new int[2];
        float[] rgb = ImageFiles.readRgb(dir.resolve("rgb").resolve(n), cs);
        float[] mm = ImageFiles.readGray16(dir.resolve("depth").resolve(n), ds);
        if (cs[0] != ds[0] || cs[1] != ds[1]) {
            throw new IOException(dir + ": rgb/" + n + " is " + cs[1] + "x" + cs[0] + " but depth/" + n + " is "
                    + ds[1] + "x" + ds[0]);
        }
        for (int i = 0; i < mm.length; i++) {
            mm[i] = mm[i] / 1000f;
        }
        return new Sample(rgb, mm, 1, cs[0], cs[1]);
    }

    @Override
    public Sample sample(long id, int crop, SplittableRandom rng) throws IOException {
        if (crop <= 0) {
            return image(id);
        }
        Sample s = image(id);
        if (s.height() < crop || s.width() < crop) {
            throw new IOException(dir + ": " + names.get((int) id) + " (" + s.width() + "x" + s.height()
                    + ") is smaller than the crop " + crop);
        }
        return s.crop(rng.nextInt(s.height() - crop + 1), rng.nextInt(s.width() - crop + 1), crop, crop);
    }

    @Override
    public String describe() {
        return "NYU Depth V2 PNGs in " + dir + " (" + names.size() + " images)";
    }
}
