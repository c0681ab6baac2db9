package org.jpac.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * MPI-Sintel optical flow for flow upsampling: {@code DIR/flow/SCENE/frame_NNNN.flo}
 * with the first frame of each pair as the guide, {@code DIR/PASS/SCENE/frame_NNNN.png}
 * (PASS {@code clean} or {@code final}); {@code DIR} may also be the folder holding
 * {@code training/}. The target has two channels (u, v) in pixels; its
 * low-resolution version is divided by the factor. Files are checked before use
 * ({@link FloFile}, {@link ImageFiles}).
 */
public final class SintelFlow implements SampleSource {

    private final Path root;
    private final String pass;
    private final List<Path> flows;

    /**
     * Lists the flow fields of a folder and their first frames (files are checked when read).
     *
     * @param dir the training folder, or the folder holding {@code training/}
     * @param pass the rendering pass, {@code clean} or {@code final}
     * @throws IllegalArgumentException if {@code pass} is neither
     * @throws IOException if a folder is missing or no flow field has a matching frame
     */
    public SintelFlow(Path dir, String pass) throws IOException {
        if (!pass.equals("clean") && !pass.equals("final")) {
            throw new IllegalArgumentException("pass: 'clean' or 'final', got '" + pass + "'");
        }
        Path r = Files.isDirectory(dir.resolve("training").resolve("flow")) ? dir.resolve("training") : dir;
        if (!Files.isDirectory(r.resolve("flow")) || !Files.isDirectory(r.resolve(pass))) {
            throw new IOException(dir + ": expected the folders flow/ and " + pass + "/ (MPI-Sintel training set)");
        }
        this.root = r;
        this.pass = pass;
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(r.resolve("flow"), 2)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".flo")).sorted().toList()) {
                if (Files.isRegularFile(image(p))) {
                    found.add(p);
                }
            }
        }
        if (found.isEmpty()) {
            throw new IOException(dir + ": no flow/SCENE/*.flo with a matching " + pass + "/SCENE/*.png");
        }
        flows = List.copyOf(found);
    }

    /** Whether {@code dir} looks like this layout. */
    public static boolean looksLike(Path dir) {
        return Files.isDirectory(dir.resolve("flow")) || Files.isDirectory(dir.resolve("training").resolve("flow"));
    }

    private Path image(Path flo) {
        Path rel = root.resolve("flow").relativize(flo);
        String n = rel.getFileName().toString();
        Path png = root.resolve(pass).resolve(rel).resolveSibling(n.substring(0, n.length() - 4) + ".png");
        return png;
    }

    @Override
    public long size() {
        return flows.size();
    }

    @Override
    public int targetChannels() {
        return 2;
    }

    @Override
    public boolean scalesWithResolution() {
        return true;
    }

    /** The whole frame {@code id}: guide and flow. */
    public Sample frame(long id) throws IOException {
        Path flo = flows.get(Math.toIntExact(id));
        FloFile.Flow f = FloFile.read(flo);
        int[] s = new int[2];
        float[] rgb = ImageFiles.readRgb(image(flo), s);
        if (s[0] != f.height() || s[1] != f.width()) {
            throw new IOException(image(flo) + ": " + s[1] + "x" + s[0] + " does not match " + flo + " ("
                    + f.width() + "x" + f.height() + ")");
        }
        return new Sample(rgb, f.data(), 2, f.height(), f.width());
    }

    @Override
    public Sample sample(long id, int crop, SplittableRandom rng) throws IOException {
        if (crop <= 0) {
            return frame(id);
        }
        Sample s = frame(id);
        if (s.height() < crop || s.width() < crop) {
            throw new IOException(flows.get((int) id) + ": " + s.width() + "x" + s.height()
                    + " is smaller than the crop " + crop);
        }
        return s.crop(rng.nextInt(s.height() - crop + 1), rng.nextInt(s.width() - crop + 1), crop, crop);
    }

    @Override
    public String describe() {
        return "MPI-Sintel " + pass + " in " + root + " (" + flows.size() + " frames)";
    }
}
