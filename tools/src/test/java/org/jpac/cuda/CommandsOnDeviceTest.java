package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import org.jpac.Backend;
import org.jpac.cli.Main;
import org.jpac.io.SafeTensors;
import org.jpac.io.images.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jpac upsample}, {@code jpac crf} and {@code jpac train upsample} run their models on the
 * backend chosen ({@code jpac.backend=cuda}: the emulated cuda:0 here), say so, and write what the
 * CPU writes.
 */
class CommandsOnDeviceTest {

    @Test
    void upsampleAndCrfRunOnTheChosenBackend(@TempDir Path dir) throws IOException {
        EmulatedCuda.device();
        Random r = new Random(3);
        float[] guide = new float[3 * 48 * 40];
        for (int i = 0; i < guide.length; i++) {
            guide[i] = r.nextFloat();
        }
        float[] low = new float[6 * 5];
        for (int i = 0; i < low.length; i++) {
            low[i] = 1 + r.nextFloat();
        }
        float[] scores = new float[4 * 48 * 40];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) r.nextGaussian();
        }
        Path g = dir.resolve("guide.npy");
        Path l = dir.resolve("low.npy");
        Path s = dir.resolve("scores.npy");
        Npy.writeArray(g, guide, 3, 48, 40);
        Npy.writeArray(l, low, 6, 5);
        Npy.writeArray(s, scores, 4, 48, 40);
        for (String backend : new String[] {"cpu", "cuda"}) {
            String err = run(backend, "upsample", "--guide", g.toString(), "--low", l.toString(), "--factor", "8",
                    "--model", "pac", "--sampling", "center", "--out", dir.resolve(backend + "_up.npy").toString());
            assertEquals(backend.equals("cuda"), err.contains("runs on cuda:0"), err);
            err = run(backend, "crf", "--image", g.toString(), "--unary", s.toString(), "--probabilities", "--out",
                    dir.resolve(backend + "_crf.npy").toString());
            assertEquals(backend.equals("cuda"), err.contains("the CRF runs on cuda:0"), err);
        }
        for (String what : new String[] {"up", "crf"}) {
            float[] cpu = Npy.readArray(dir.resolve("cpu_" + what + ".npy")).data();
            float[] cuda = Npy.readArray(dir.resolve("cuda_" + what + ".npy")).data();
            assertEquals(cpu.length, cuda.length, what);
            for (int i = 0; i < cpu.length; i++) {
                assertEquals(cpu[i], cuda[i], 1e-4 * (1 + Math.abs(cpu[i])), what + " element " + i);
            }
        }
    }

    /**
     * {@code jpac train upsample} on cuda:0 (SGD, two epochs of two steps, validation after each, the
     * JBU skip whose JBU runs on host copies): it says where it trains, and its checkpoint and model hold
     * the CPU run's weights within float rounding.
     */
    @Test
    void trainingRunsOnTheChosenBackend(@TempDir Path dir) throws IOException {
        EmulatedCuda.device();
        for (String backend : new String[] {"cpu", "cuda"}) {
            String err = run(backend, "train", "upsample", "--factor", "4", "--model", "lite", "--skip", "jbu",
                    "--synthetic", "--epochs", "2", "--steps-per-epoch", "2", "--batch", "2", "--crop", "16",
                    "--val-count", "1", "--val-crop", "16", "--seed", "3", "--optimizer", "sgd", "--lr", "0.01",
                    "--out", dir.resolve(backend + ".safetensors").toString());
            assertEquals(backend.equals("cuda"), err.contains("the network trains on cuda:0"), err);
            assertTrue(err.contains("epoch 2: validation RMSE"), err);
        }
        sameWeights(dir.resolve("cpu.safetensors"), dir.resolve("cuda.safetensors"), 1e-4);
    }

    /** {@code jpac train crf} on cuda:0: the CRF's forward and gradients there, the rest on the CPU. */
    @Test
    void crfTrainingRunsOnTheChosenBackend(@TempDir Path dir) throws IOException {
        EmulatedCuda.device();
        for (String backend : new String[] {"cpu", "cuda"}) {
            String err = run(backend, "train", "crf", "--steps", "3", "--size", "32x48", "--held-out", "1",
                    "--photos", "none", "--out", dir.resolve(backend + ".safetensors").toString());
            assertEquals(backend.equals("cuda"), err.contains("the CRF runs on cuda:0"), err);
        }
        sameWeights(dir.resolve("cpu.safetensors"), dir.resolve("cuda.safetensors"), 1e-3);
    }

    /** The two weight files hold the same tensors, element by element within {@code tol} * (1 + |value|). */
    private static void sameWeights(Path cpuFile, Path cudaFile, double tol) throws IOException {
        try (SafeTensors cpu = SafeTensors.open(cpuFile); SafeTensors cuda = SafeTensors.open(cudaFile)) {
            assertEquals(cpu.names(), cuda.names());
            for (String n : cpu.names()) {
                float[] a = cpu.readFloats(n);
                float[] b = cuda.readFloats(n);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], tol * (1 + Math.abs(a[i])), n + " element " + i);
                }
            }
        }
    }

    /** Runs a command with backend {@code backend}; returns its stderr (progress lines), failing on a non-zero exit. */
    private static String run(String backend, String... args) {
        String before = System.getProperty(Backend.PROPERTY);
        System.setProperty(Backend.PROPERTY, backend);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String e = err.toString(StandardCharsets.UTF_8);
            assertTrue(code == 0, String.join(" ", args) + " on " + backend + ": exit " + code + "\n" + e);
            return e;
        } finally {
            if (before == null) {
                System.clearProperty(Backend.PROPERTY);
            } else {
                System.setProperty(Backend.PROPERTY, before);
            }
        }
    }
}
