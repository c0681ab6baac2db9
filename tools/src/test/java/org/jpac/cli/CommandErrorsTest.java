package org.jpac.cli;

import static org.jpac.cli.Cli.fails;
import static org.jpac.cli.Cli.has;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.io.images.Image;
import org.jpac.io.images.Npy;
import org.jpac.io.images.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every user error of {@code upsample}, {@code filter} and {@code crf}: a
 * missing, unreadable or wrong-size file, a factor that does not fit, missing
 * weights, a bad option. Each gives one line and a non-zero exit code.
 */
class CommandErrorsTest {

    @TempDir
    static Path tmp;

    static Path guide;      // 64x48 RGB PNG
    static Path low;        // 8x6 16-bit PNG
    static Path lowWrong;   // 9x6 16-bit PNG
    static Path text;       // not an image
    static Path scores;     // (5, 48, 64) npy
    static Path flow;       // (6, 8, 2) npy
    static Path out;

    @BeforeAll
    static void files() throws IOException {
        SyntheticScene s = SyntheticScene.render(48, 64);
        guide = Cli.guidePng(tmp.resolve("guide.png"), s);
        low = Cli.depthPng(tmp.resolve("low.png"), s.lowDepth(8), 6, 8);
        lowWrong = Cli.depthPng(tmp.resolve("low9.png"), new float[6 * 9], 6, 9);
        text = tmp.resolve("text.png");
        Files.writeString(text, "not an image at all");
        scores = tmp.resolve("scores.npy");
        Npy.writeArray(scores, s.noisyScores(8, 0.5, 1), 5, 48, 64);
        flow = tmp.resolve("flow.npy");
        Npy.writeArray(flow, new float[6 * 8 * 2], 6, 8, 2);
        out = tmp.resolve("out.png");
    }

    private static String[] up(String... extra) {
        String[] base = {"upsample", "--guide", guide.toString(), "--low", low.toString(), "--factor", "8",
                "--model", "bilinear", "--out", out.toString()};
        String[] a = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, a, base.length, extra.length);
        return a;
    }

    private static String[] without(String[] args, String option) {
        java.util.List<String> l = new java.util.ArrayList<>(java.util.List.of(args));
        int i = l.indexOf(option);
        l.remove(i + 1);
        l.remove(i);
        return l.toArray(String[]::new);
    }

    private static String[] with(String[] args, String option, String value) {
        String[] a = args.clone();
        a[java.util.List.of(a).indexOf(option) + 1] = value;
        return a;
    }

    @Test
    void upsampleMissingFiles() {
        fails(1, has("cannot read --guide", "nope.png", "no such file"), with(up(), "--guide",
                tmp.resolve("nope.png").toString()));
        fails(1, has("cannot read --low", "nope.npy", "no such file"), with(up(), "--low",
                tmp.resolve("nope.npy").toString()));
        fails(1, has("cannot read --weights", "none.pth", "no such file"),
                with(up("--weights", tmp.resolve("none.pth").toString()), "--model", "pac"));
    }

    @Test
    void upsampleUnreadableFiles() {
        fails(1, has("cannot read --guide", "text.png", "not a PNG, .npy or PFM file"), with(up(), "--guide",
                text.toString()));
        fails(1, has("cannot read --low", "directory"), with(up(), "--low", tmp.toString()));
        fails(1, has("cannot read --weights", "text.png"), with(up("--weights", text.toString()), "--model",
                "pac"));
    }

    @Test
    void upsampleSizesMustMatchTheFactor() {
        String line = fails(1, has("--guide is 64x48", "--low is 8x6", "factor 4", "32x24 guide"),
                with(up(), "--factor", "4"));
        assertFalse(Files.exists(out), line);
        fails(1, has("--low is 9x6", "72x48 guide"), with(up(), "--low", lowWrong.toString()));
        fails(1, has("--guide is 64x48"), with(with(up(), "--model", "jbu"), "--factor", "2"));
    }

    @Test
    void upsampleNeedsWeightsForLearnedModels() {
        for (String m : new String[] {"lite", "djif"}) {
            fails(2, has("--model " + m + " needs --weights FILE"), with(up(), "--model", m));
        }
        // pac falls back to a bundled model at the factors jpac ships one for (not 2); others need a file.
        fails(2, has("--model pac needs --weights FILE", "bundles PacJointUpsample models for --model pac --factor "),
                with(with(up(), "--model", "pac"), "--factor", "2"));
        fails(2, has("bilinear has no weights"), up("--weights", text.toString()));
    }

    @Test
    void upsampleBadOptions() {
        fails(2, has("--model must be one of", "'magic'"), with(up(), "--model", "magic"));
        fails(2, has("--factor is required"), without(up(), "--factor"));
        fails(2, has("--factor must be an integer", "'eight'"), with(up(), "--factor", "eight"));
        fails(2, has("--factor must be in 1..64", "0"), with(up(), "--factor", "0"));
        fails(2, has("--guide is required"), without(up(), "--guide"));
        fails(2, has("--out is required"), without(up(), "--out"));
        fails(2, has("unknown option '--fast'"), up("--fast"));
        fails(2, has("--depth-scale must be a positive number"), up("--depth-scale", "-3"));
        fails(2, has("--bits must be one of 8, 16"), up("--bits", "12"));
        fails(2, has("--weights needs a value"), up("--weights"));
        fails(2, has("unexpected argument 'extra'"), up("extra"));
        fails(2, has("--factor is given more than once"), up("--factor", "8"));
        fails(2, has("--jbu-kernel must be odd"), with(up("--jbu-kernel", "16"), "--model", "jbu"));
        Path pth = org.jpac.TestSupport.goldenDir().resolve("models/model_PacJointUpsample_x4.zip.pth");
        fails(2, has("--model pac with --factor 6", "power of 2"), with(with(up("--weights", pth.toString()),
                "--model", "pac"), "--factor", "6"));
        fails(2, has("--model lite with --factor 2", "4, 8 or 16"), with(with(up("--weights", pth.toString()),
                "--model", "lite"), "--factor", "2"));
    }

    @Test
    void upsampleOutputThatCannotHoldTheResult() {
        fails(1, has("--out", "does not exist"), with(up(), "--out", tmp.resolve("no/dir/x.png").toString()));
        fails(1, has("--out", "is a directory"), with(up(), "--out", tmp.toString()));
        fails(1, has("a PNG holds 1 or 3 channels", "has 2", ".npy"), new String[] {"upsample", "--guide",
                guide.toString(), "--low", flow.toString(), "--factor", "8", "--model", "bilinear", "--out",
                out.toString()});
        fails(2, has("cannot tell the format"), new String[] {"crf", "--image", guide.toString(), "--unary",
                scores.toString(), "--out", tmp.resolve("labels").toString()});
    }

    @Test
    void anOutputWithoutExtensionTakesTheInputFormat() throws IOException {
        Path o = tmp.resolve("flow_up");
        Cli.Result r = Cli.run(with(with(up("--quiet"), "--low", flow.toString()), "--out", o.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals(org.jpac.io.images.ImageFormat.NPY, org.jpac.io.images.Images.detect(o));
    }

    @Test
    void filterErrors() {
        String[] ok = {"filter", "--in", guide.toString(), "--sigma-space", "2", "--sigma-color", "0.1", "--out",
                out.toString()};
        fails(1, has("cannot read --in", "no such file"), with(ok, "--in", tmp.resolve("x.png").toString()));
        fails(1, has("cannot read --in", "not a PNG"), with(ok, "--in", text.toString()));
        String[] g = java.util.Arrays.copyOf(ok, ok.length + 2);
        g[ok.length] = "--guide";
        g[ok.length + 1] = low.toString();
        fails(1, has("--guide is 8x6 but --in is 64x48", "same size"), g);
        fails(2, has("--sigma-space is required"), without(ok, "--sigma-space"));
        fails(2, has("--sigma-color must be a positive number"), with(ok, "--sigma-color", "0"));
        fails(2, has("--sigma-space must be a number", "'abc'"), with(ok, "--sigma-space", "abc"));
        fails(2, has("needs a 4001-pixel window"), with(ok, "--sigma-space", "1000"));
        String[] k = java.util.Arrays.copyOf(ok, ok.length + 2);
        k[ok.length] = "--kernel-size";
        k[ok.length + 1] = "4";
        fails(2, has("--kernel-size must be odd"), k);
    }

    @Test
    void crfErrors() {
        String[] ok = {"crf", "--image", guide.toString(), "--unary", scores.toString(), "--out", out.toString()};
        fails(1, has("cannot read --unary", "no such file"), with(ok, "--unary", tmp.resolve("u.npy").toString()));
        fails(1, has("--unary", "expected a .npy array or a safetensors file"), with(ok, "--unary",
                text.toString()));
        fails(1, has("cannot read --image", "no such file"), with(ok, "--image", tmp.resolve("i.png").toString()));
        fails(1, has("--image is 8x6 but the scores in --unary are 64x48"), with(ok, "--image", low.toString()));
        fails(1, has("--unary", "expected scores of shape (C, H, W)"), with(ok, "--unary", flowAsScores()));
        fails(2, has("--probabilities are written as .npy"), java.util.stream.Stream.concat(
                java.util.Arrays.stream(ok), java.util.stream.Stream.of("--probabilities")).toArray(String[]::new));
        fails(2, has("not both"), java.util.stream.Stream.concat(java.util.Arrays.stream(ok),
                java.util.stream.Stream.of("--labels", "--probabilities")).toArray(String[]::new));
        fails(2, has("--steps must be in 0..1000"), java.util.stream.Stream.concat(java.util.Arrays.stream(ok),
                java.util.stream.Stream.of("--steps", "-1")).toArray(String[]::new));
        fails(2, has("--pairwise-weights needs 2 comma-separated numbers"), java.util.stream.Stream.concat(
                java.util.Arrays.stream(ok), java.util.stream.Stream.of("--pairwise-weights", "1")).toArray(
                String[]::new));
        fails(1, has("cannot read --weights", "text.png"), java.util.stream.Stream.concat(
                java.util.Arrays.stream(ok), java.util.stream.Stream.of("--weights", text.toString())).toArray(
                String[]::new));
    }

    /** A 2-D npy, which is no (C, H, W) score array. */
    private static String flowAsScores() {
        Path p = tmp.resolve("scores2d.npy");
        try {
            Npy.writeArray(p, new float[48 * 64], 48, 64);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return p.toString();
    }

    @Test
    void helpAndUnknownCommands() {
        Cli.Result r = Cli.run("upsample", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("usage: jpac upsample"), r.out());
        for (String c : new String[] {"crf", "filter", "demo", "bench-nets"}) {
            Cli.Result h = Cli.run(c, "-h");
            assertEquals(0, h.code(), c);
            assertTrue(h.out().startsWith("usage: jpac " + c), h.out());
        }
        Cli.Result help = Cli.run("help");
        assertTrue(help.out().contains("upsample"));
        assertTrue(help.out().contains("filter"));
    }

    @Test
    void aWeightFileForAnotherNetworkOrFactorIsRefused() throws IOException {
        Path golden = org.jpac.TestSupport.goldenDir().resolve("models/model_PacJointUpsample_x4.safetensors");
        fails(1, has("hold a PacJointUpsample, not a --model lite"), with(with(up("--weights", golden.toString()),
                "--model", "lite"), "--factor", "4"));
        fails(1, has("are for factor 4, not --factor 8"), with(up("--weights", golden.toString()), "--model", "pac"));
        Path pth = org.jpac.TestSupport.goldenDir().resolve("models/model_PacJointUpsample_x4.zip.pth");
        fails(1, has("do not fit PacJointUpsampleLite", "wrong shape"), with(with(up("--weights", pth.toString()),
                "--model", "lite"), "--factor", "8"));
    }

    @Test
    void noPartialOutputOnFailure() throws IOException {
        Png.write(tmp.resolve("unused.png"), Image.of(new float[1], 1, 1, 1), 8);
        Path o = tmp.resolve("never.png");
        fails(1, has("factor"), with(with(up(), "--out", o.toString()), "--factor", "2"));
        assertFalse(Files.exists(o));
    }

    @Test
    void absurdScalesAndSigmasAreRefusedBeforeTheRun() {
        // before: --depth-scale 1e308 wrote zeros (exit 0), tiny sigmas and scales ran and then failed on a
        // non-finite result, and --sigma-space 1e308 blamed --kernel-size with a wrapped-round window
        for (String s : new String[] {"1e308", "1e31", "4.9e-324", "1e-31"}) {
            fails(2, has("--depth-scale must be in 1e-30..1e30", "'" + s + "'"), up("--depth-scale", s));
        }
        String[] f = {"filter", "--in", low.toString(), "--sigma-space", "2", "--sigma-color", "0.1", "--out",
            out.toString()};
        fails(2, has("--depth-scale must be in 1e-30..1e30"), java.util.stream.Stream.concat(
                java.util.Arrays.stream(f), java.util.stream.Stream.of("--depth-scale", "1e308")).toArray(
                String[]::new));
        for (String s : new String[] {"1e308", "4.6e18", "1e-300"}) {
            String line = fails(2, has("--sigma-space must be in 1e-6..1e6", s), with(f, "--sigma-space", s));
            assertFalse(line.contains("--kernel-size"), line);
        }
        fails(2, has("--sigma-space 1e6 needs a 4000001-pixel window"), with(f, "--sigma-space", "1e6"));
        fails(2, has("--sigma-color must be in 1e-6..1e6", "1e-40"), with(f, "--sigma-color", "1e-40"));
        fails(2, has("--jbu-sigma-color must be in 1e-6..1e6"), with(up("--jbu-sigma-color", "1e-40"), "--model",
                "jbu"));
        String[] c = {"crf", "--image", guide.toString(), "--unary", scores.toString(), "--out", out.toString()};
        for (String[] o : new String[][] {{"--scale-space", "1e-320", "1e-6..1e6"},
            {"--scale-color", "1e-320", "1e-6..1e6"}, {"--pairwise-weights", "1e308,1e308", "0..1e6"}}) {
            fails(2, has(o[0], o[2], o[1]), java.util.stream.Stream.concat(java.util.Arrays.stream(c),
                    java.util.stream.Stream.of(o[0], o[1])).toArray(String[]::new));
        }
    }

    @Test
    void anOutputThatCannotBeWrittenIsFoundBeforeTheRun() {
        // before: found only when writing, after the work, and the error named the folder, not the file
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc");
        fails(1, has("cannot write --out /proc/x.png: cannot create a file in /proc"), with(up(), "--out",
                "/proc/x.png"));
        fails(1, has("cannot write --out /proc/x.png"), new String[] {"filter", "--in", low.toString(),
            "--sigma-space", "1", "--sigma-color", "0.1", "--out", "/proc/x.png"});
        Path longName = tmp.resolve("d".repeat(300) + ".png");
        fails(1, has("--out " + longName, "longer than 255 bytes"), with(up(), "--out", longName.toString()));
    }
}
