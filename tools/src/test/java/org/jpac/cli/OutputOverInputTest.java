package org.jpac.cli;

import static org.jpac.io.TestFiles.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.io.images.Images;
import org.jpac.io.images.Npy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output option naming one of the command's inputs, however spelled (same
 * path, {@code sub/../x}, a hard or symbolic link), is refused before any work,
 * and the input is left as it was.
 */
class OutputOverInputTest {

    @TempDir
    Path tmp;

    Path guide;     // 64x48 RGB PNG
    Path low;       // 8x6 16-bit PNG
    Path scores;    // (5, 48, 64) npy

    @BeforeEach
    void files() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        low = Cli.depthPng(tmp.resolve("low.png"), s.lowDepth(8), 6, 8);
        scores = tmp.resolve("scores.npy");
        Npy.writeArray(scores, s.noisyScores(8, 0.5, 1), 5, 48, 64);
    }

    private String[] upsample(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("upsample", "--guide", guide.toString(), "--low", low.toString(),
                "--factor", "8", "--model", "bilinear", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static Map<Path, byte[]> snapshot(Path... files) throws IOException {
        Map<Path, byte[]> m = new LinkedHashMap<>();
        for (Path f : files) {
            m.put(f, Files.readAllBytes(f));
        }
        return m;
    }

    /**
     * Runs without --quiet, so that any work done first would show as a progress
     * line: exit 2, one line naming both options, every file in {@code kept} unchanged.
     */
    private static void refused(String[] args, String outOption, String inOption, Path... kept) throws IOException {
        Map<Path, byte[]> before = snapshot(kept);
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), "exit code; stderr: " + r.err());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), "one line and no work expected, got: " + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("jpac " + args[0] + ": " + outOption + " "), line);
        assertTrue(line.contains("is the same file as " + inOption + " "), line);
        assertFalse(r.err().contains("Exception"), r.err());
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(e.getKey()), e.getKey() + " was changed");
        }
    }

    @Test
    void upsampleOutSameAsLow() throws IOException {
        refused(upsample(low), "--out", "--low", low, guide);
    }

    @Test
    void upsampleOutSameAsLowSpelledDifferently() throws IOException {
        Files.createDirectory(tmp.resolve("sub"));
        refused(upsample(tmp.resolve("sub").resolve("..").resolve("low.png")), "--out", "--low", low);
        Path relative = Path.of("").toAbsolutePath().relativize(low);
        refused(upsample(Path.of(".").resolve(relative)), "--out", "--low", low);
    }

    @Test
    void upsampleOutIsAHardLinkToLow() throws IOException {
        Path hard = Files.createLink(tmp.resolve("hard.png"), low);
        refused(upsample(hard), "--out", "--low", low, hard);
    }

    @Test
    void upsampleOutIsASymbolicLinkToLow() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("link.png"), low);
        refused(upsample(link), "--out", "--low", low);
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void upsampleOutSameAsGuideIsRefusedBeforeTheModelIsRead() throws IOException {
        String[] a = upsample(guide);
        a[List.of(a).indexOf("bilinear")] = "pac"; // the bundled 8x model would be read first
        refused(a, "--out", "--guide", guide, low);
        assertEquals(3, Images.read(guide).channels(), "the RGB guide is still RGB");
    }

    @Test
    void upsampleOutSameAsWeights() throws IOException {
        Path w = tmp.resolve("w.safetensors");
        Files.write(w, new byte[] {1, 2, 3});
        String[] a = upsample(w, "--weights", w.toString());
        a[List.of(a).indexOf("bilinear")] = "pac";
        refused(a, "--out", "--weights", w);
    }

    @Test
    void filterAndCrfOutputsSameAsAnInput() throws IOException {
        refused(new String[] {"filter", "--in", guide.toString(), "--sigma-space", "2", "--sigma-color", "0.1",
            "--out", guide.toString()}, "--out", "--in", guide);
        refused(new String[] {"filter", "--in", low.toString(), "--guide", guide.toString(), "--sigma-space", "2",
            "--sigma-color", "0.1", "--out", guide.toString()}, "--out", "--guide", guide, low);
        refused(new String[] {"crf", "--image", guide.toString(), "--unary", scores.toString(), "--probabilities",
            "--out", scores.toString()}, "--out", "--unary", scores, guide);
        refused(new String[] {"crf", "--image", guide.toString(), "--unary", scores.toString(), "--out",
            guide.toString()}, "--out", "--image", guide, scores);
    }

    @Test
    void demoWeightsInsideItsOutputFolder() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("demo"));
        Path w = Files.copy(guide, dir.resolve("guide.png"));
        refused(new String[] {"demo", "--out", dir.toString(), "--weights", w.toString()}, "--out", "--weights", w);
        assertEquals(List.of("guide.png"), listing(dir));
    }

    @Test
    void trainOutSameAsResume() throws IOException {
        Path ckpt = tmp.resolve("run.ckpt.safetensors");
        Files.write(ckpt, new byte[] {1, 2, 3});
        byte[] before = Files.readAllBytes(ckpt);
        Cli.Result r = Cli.run("train", "upsample", "--factor", "4", "--model", "lite", "--epochs", "1",
                "--out", ckpt.toString(), "--checkpoint", tmp.resolve("other.ckpt").toString(), "--resume",
                ckpt.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("jpac train: --out " + ckpt + " is the same file as --resume "), r.err());
        assertArrayEquals(before, Files.readAllBytes(ckpt));
    }

    @Test
    void distinctFilesStillRunAndAnUnrelatedFileIsReplaced() throws IOException {
        Path out = tmp.resolve("up.png");
        Files.write(out, new byte[] {9, 9, 9});
        Cli.Result r = Cli.run(upsample(out, "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertEquals(64, Images.read(out).width());
        assertEquals(List.of("guide.png", "low.png", "scores.npy", "up.png"), listing(tmp));
    }
}
