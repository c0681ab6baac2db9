package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jpac train upsample} and {@code jpac eval} on tiny runs; resuming equals not stopping. */
class TrainCommandTest {

    @TempDir
    Path tmp;

    private static Cli.Result run(String... args) {
        return Cli.run(args);
    }

    /** A tiny training command; {@code extra} options replace the defaults of the same name or are added. */
    private String[] train(String out, int epochs, String... extra) {
        java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
        String[] base = {"--factor", "4", "--model", "lite", "--synthetic", null, "--epochs",
            Integer.toString(epochs), "--steps-per-epoch", "2", "--batch", "2", "--crop", "16", "--val-count", "1",
            "--val-crop", "16", "--seed", "3", "--out", tmp.resolve(out).toString()};
        for (int i = 0; i < base.length; i += 2) {
            o.put(base[i], base[i + 1]);
        }
        for (int i = 0; i < extra.length; i++) {
            boolean flag = i + 1 >= extra.length || extra[i + 1].startsWith("--");
            o.put(extra[i], flag ? null : extra[++i]);
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "upsample"));
        o.forEach((k, v) -> {
            args.add(k);
            if (v != null) {
                args.add(v);
            }
        });
        return args.toArray(String[]::new);
    }

    private static void assertSameTensors(Path a, Path b) throws Exception {
        try (SafeTensors x = SafeTensors.open(a); SafeTensors y = SafeTensors.open(b)) {
            assertEquals(x.names(), y.names());
            for (String n : x.names()) {
                assertArrayEquals(x.readFloats(n), y.readFloats(n), n);
            }
        }
    }

    @Test
    void trainResumeAndEvaluate() throws Exception {
        Cli.Result whole = run(train("whole.safetensors", 2));
        assertEquals(0, whole.code(), whole.err());
        assertTrue(whole.out().contains("4 of 4 steps"), whole.out());
        assertTrue(whole.err().contains("epoch 2: validation RMSE"), whole.err());
        assertTrue(whole.err().contains("samples/s"), whole.err());
        assertTrue(Files.isRegularFile(tmp.resolve("whole.ckpt.safetensors")));
        try (SafeTensors st = SafeTensors.open(tmp.resolve("whole.safetensors"))) {
            assertEquals("PacJointUpsampleLite", st.metadata().get("model"));
            assertTrue(st.names().stream().noneMatch(n -> n.startsWith("optim.")));
        }

        Cli.Result first = run(train("part.safetensors", 1, "--quiet"));
        assertEquals(0, first.code(), first.err());
        assertEquals("", first.err());
        Cli.Result rest = run(train("part.safetensors", 2, "--resume", tmp.resolve("part.ckpt.safetensors").toString()));
        assertEquals(0, rest.code(), rest.err());
        assertTrue(rest.err().contains("resumed from"), rest.err());
        assertSameTensors(tmp.resolve("whole.safetensors"), tmp.resolve("part.safetensors"));
        assertSameTensors(tmp.resolve("whole.ckpt.safetensors"), tmp.resolve("part.ckpt.safetensors"));

        Cli.Result other = run(train("x.safetensors", 2, "--batch", "1", "--resume",
                tmp.resolve("part.ckpt.safetensors").toString()));
        assertEquals(1, other.code());
        assertTrue(other.err().contains("different run"), other.err());

        Cli.Result eval = run("eval", "--weights", tmp.resolve("whole.safetensors").toString(), "--count", "2",
                "--crop", "16");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("PacJointUpsampleLite") && eval.out().contains("bilinear")
                && eval.out().contains("JBU"), eval.out());
        Cli.Result evalCkpt = run("eval", "--model", "lite", "--weights",
                tmp.resolve("whole.ckpt.safetensors").toString(), "--count", "1", "--crop", "16");
        assertEquals(0, evalCkpt.code(), evalCkpt.err());
    }

    @Test
    void protocolsHolesAndScenesAreRecordedAndEvaluated() throws Exception {
        Cli.Result r = run(train("both.safetensors", 1, "--residual", "--model", "pac", "--sampling", "both",
                "--holes", "0.2", "--scenes", "world"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("center+area, holes up to 20%") && r.err().contains("center ")
                && r.err().contains("area "), r.err());
        Path model = tmp.resolve("both.safetensors");
        try (SafeTensors st = SafeTensors.open(model)) {
            assertEquals("center,area", st.metadata().get("sampling"));
            assertEquals("world", st.metadata().get("train.scenes"));
            assertEquals("0.2", st.metadata().get("train.holes"));
        }
        Cli.Result eval = run("eval", "--weights", model.toString(), "--count", "2", "--crop", "16", "--sampling",
                "center", "--holes", "0.1");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("synthetic world") && eval.out().contains("input center with 10% holes"),
                eval.out());
        assertTrue(!eval.out().contains("NaN"), eval.out());
        // another run can start from these weights
        Cli.Result init = run(train("init.safetensors", 1, "--residual", "--model", "pac", "--init", model.toString()));
        assertEquals(0, init.code(), init.err());
        assertTrue(init.err().contains("initialised 20 of 20 tensors from " + model), init.err());
        try (SafeTensors st = SafeTensors.open(tmp.resolve("init.safetensors"))) {
            assertEquals("both.safetensors", st.metadata().get("train.init"));
        }
        // a resumed run must keep the protocols
        Cli.Result other = run(train("both.safetensors", 2, "--residual", "--model", "pac", "--sampling", "area",
                "--holes", "0.2", "--scenes", "world", "--resume", tmp.resolve("both.ckpt.safetensors").toString()));
        assertEquals(1, other.code());
        assertTrue(other.err().contains("sampling"), other.err());
    }

    @Test
    void residualTrainingIsRecordedAndFollowed() throws Exception {
        Cli.Result r = run(train("res.safetensors", 1, "--residual", "--model", "pac"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("PacJointUpsample (+ bilinear)"), r.err());
        Path model = tmp.resolve("res.safetensors");
        try (SafeTensors st = SafeTensors.open(model)) {
            assertEquals("bilinear", st.metadata().get("target_residual"));
            assertEquals("PacJointUpsample", st.metadata().get("model"));
        }
        Cli.Result eval = run("eval", "--weights", model.toString(), "--count", "2", "--crop", "16");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("PacJointUpsample + bilinear") && eval.out().contains("bicubic"),
                eval.out());
        // a resumed run must ask for the skip too
        Cli.Result plain = run(train("res.safetensors", 2, "--model", "pac", "--resume",
                tmp.resolve("res.ckpt.safetensors").toString()));
        assertEquals(1, plain.code());
        assertTrue(plain.err().contains("residual"), plain.err());
    }

    @Test
    void usageErrors() {
        assertEquals(2, run("train").code());
        assertEquals(2, run("train", "upsample", "--model", "lite").code());
        Cli.Result r = run(train("a.safetensors", 1, "--crop", "18"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("multiple"), r.err());
        assertEquals(2, run(train("a.safetensors", 1, "--bogus")).code());
        assertEquals(2, run("train", "upsample", "--factor", "2", "--model", "lite", "--epochs", "1", "--out",
                "x").code());
        assertEquals(0, run("train", "--help").code());
        assertEquals(1, run("eval", "--weights", tmp.resolve("none").toString()).code());
        assertEquals(2, run("eval").code());
    }

    @Test
    void resumeOrInitFromADirectoryOrAMissingPathSaysWhatIsWrong() throws Exception {
        // before: "jpac train: No such device" for a directory, and only the path for a missing file
        Path dir = Files.createDirectory(tmp.resolve("w.safetensors"));
        Path missing = tmp.resolve("none.safetensors");
        for (String opt : new String[] {"--resume", "--init"}) {
            Cli.Result r = run(train("a.safetensors", 1, opt, dir.toString()));
            assertEquals(1, r.code(), r.err());
            assertEquals("jpac train: " + dir + ": is a directory, not a weight file", r.err().strip(), opt);
            r = run(train("a.safetensors", 1, opt, missing.toString()));
            assertEquals(1, r.code(), r.err());
            assertEquals("jpac train: " + missing + ": no such file", r.err().strip(), opt);
        }
    }

    @Test
    void aPathWithANulCharacterIsAUsageError() {
        // found by CliArgumentsFuzzTest: Path.of's InvalidPathException escaped the option parser (exit 1)
        Cli.Result r = run(train("a.safetensors", 1, "--out", "a\0b.safetensors"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--out: invalid path"), r.err());
        assertEquals(2, run("eval", "--weights", "w\0.safetensors").code());
    }

    @Test
    void initMayNotBeTheOutputOrTheCheckpoint() throws Exception {
        // before: the run trained and wrote its model (or checkpoint) over the --init weights
        Path init = Files.write(tmp.resolve("init.safetensors"), new byte[] {1, 2, 3});
        Cli.Result r = run(train("init.safetensors", 1, "--init", init.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("jpac train: --out " + init + " is the same file as --init " + init),
                r.err());
        r = run(train("m.safetensors", 1, "--init", init.toString(), "--checkpoint",
                tmp.resolve("./init.safetensors").toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--checkpoint") && r.err().contains("same file as --init"), r.err());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(init));
        assertTrue(!Files.exists(tmp.resolve("m.safetensors")));
    }

    @Test
    void destinationsAreCheckedBeforeTraining() throws Exception {
        // before: found when saving, after training; a missing folder was created
        Path dir = Files.createDirectory(tmp.resolve("dir.safetensors"));
        Cli.Result r = run(train("dir.safetensors", 1));
        assertEquals(1, r.code(), r.err());
        assertEquals("jpac train: --out: " + dir + " is a directory", r.err().strip());
        assertTrue(!Files.exists(tmp.resolve("dir.ckpt.safetensors")));
        Path nodir = tmp.resolve("nodir");
        r = run(train("nodir/m.safetensors", 1));
        assertEquals(1, r.code(), r.err());
        assertEquals("jpac train: --out: directory " + nodir + " does not exist", r.err().strip());
        r = run(train("m.safetensors", 1, "--checkpoint", nodir.resolve("c.safetensors").toString()));
        assertEquals(1, r.code(), r.err());
        assertEquals("jpac train: --checkpoint: directory " + nodir + " does not exist", r.err().strip());
        assertTrue(!Files.exists(nodir) && !Files.exists(tmp.resolve("m.safetensors")));
        r = run("train", "crf", "--steps", "1", "--size", "16x16", "--held-out", "1", "--photos", "none", "--out",
                dir.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals("jpac train: --out: " + dir + " is a directory", r.err().strip());
    }

    @Test
    void setsAndBatchesBuiltInMemoryAreBounded() {
        // before: eval --count 2147483647 grew without bound; --batch 4096 --crop 4096 asked for a terabyte
        Cli.Result r = run(train("a.safetensors", 1, "--batch", "4096", "--crop", "4096"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("jpac train: --batch 4096 x --crop 4096 x 4096 is 68719476736 pixels per "
                + "batch; at most 268435456 (2^28)"), r.err());
        r = run(train("a.safetensors", 1, "--val-count", "100000", "--val-crop", "1024"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--val-count 100000 x --val-crop 1024 x 1024"), r.err());
        Path golden = org.jpac.TestSupport.goldenDir().resolve("models/model_PacJointUpsample_x4.safetensors");
        r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> run("eval", "--weights",
                golden.toString(), "--count", "2147483647", "--crop", "64"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("jpac eval: --count 2147483647 x --crop 64 x 64 is 8796093018112 pixels per "
                + "evaluation set; at most 268435456 (2^28): lower --count or --crop"), r.err());
        assertEquals(0, run(train("ok.safetensors", 1, "--batch", "16", "--crop", "16", "--epochs", "1",
                "--steps-per-epoch", "1", "--val-count", "0", "--quiet")).code());
    }
}
