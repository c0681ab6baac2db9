package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.jpac.golden.GoldenRunner;
import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.io.WeightFiles;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The joint upsampling networks against the reference's outputs in
 * {@code ${jpac.golden.dir}/models}, plus their parameter names, state-dict
 * loading (including the PyTorch .pth files) and multi-channel targets.
 */
class ModelGoldenTest {

    private static final double RTOL = 1e-4;
    private static final Set<String> UPSAMPLING = Set.of("PacJointUpsample", "PacJointUpsampleLite", "DJIF",
            "DJIFWide", "JointBilateral", "Bilinear");
    private static final List<String> EXPECTED = List.of("model_DJIF_x4", "model_JointBilateral_x4",
            "model_PacJointUpsampleLite_x8", "model_PacJointUpsample_x4");

    private static Path models() {
        Path p = TestSupport.goldenDir().resolve("models");
        assertTrue(Files.isDirectory(p), "golden models folder not found: " + p + " (set -Djpac.golden.dir=...)");
        return p;
    }

    private static String modelOf(Path f) throws IOException {
        try (SafeTensors st = SafeTensors.open(f)) {
            return st.metadata().get("model");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyUpsamplingGoldenModel() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path f : GoldenRunner.listCases(models())) {
            if (UPSAMPLING.contains(modelOf(f))) {
                files.add(f);
            }
        }
        List<String> names = files.stream().map(GoldenRunner::caseName).toList();
        assertTrue(names.containsAll(EXPECTED), "expected golden cases " + EXPECTED + ", found " + names);
        return files.stream().map(f -> DynamicTest.dynamicTest(GoldenRunner.caseName(f), f.toUri(), () -> {
            GoldenRunner.CaseResult r = GoldenRunner.run(f);
            System.out.printf("golden %s: %s%n", r.name(), r.message());
            assertTrue(r.passed(), r.name() + ": " + r.message());
        }));
    }

    /** Builds the network of a golden file with the given state dict, runs it, returns max|got - want| / tol. */
    private static double runWith(Path golden, StateDict dict) throws IOException {
        try (SafeTensors st = SafeTensors.open(golden);
             Network net = ModelRegistry.get(st.metadata().get("model")).create(st.metadata().get("args"));
             Tensor target = st.readTensor("target_low"); Tensor guide = st.readTensor("guide")) {
            net.loadStateDict(dict);
            try (Tensor out = ((UpsamplingNetwork) net).forward(target, guide)) {
                double[] want = st.readDoubles("output");
                assertArrayEquals(st.entry("output").shape(), out.shape());
                double maxWant = 0;
                double err = 0;
                for (int i = 0; i < want.length; i++) {
                    maxWant = Math.max(maxWant, Math.abs(want[i]));
                    err = Math.max(err, Math.abs(out.getFlat(i) - want[i]));
                }
                double tol = RTOL * Math.max(1, maxWant);
                System.out.printf("%s with %d loaded tensors: max error %.3g (tolerance %.3g)%n",
                        golden.getFileName(), dict.size(), err, tol);
                return err / tol;
            }
        }
    }

    private static StateDict params(Path golden) throws IOException {
        StateDict d = new StateDict();
        try (SafeTensors st = SafeTensors.open(golden)) {
            for (String n : st.names()) {
                if (n.startsWith("param.")) {
                    d.put(n.substring(6), new TensorData(st.readFloats(n), st.entry(n).shape()));
                }
            }
        }
        return d;
    }

    @Test
    void pthFilesGiveTheSameOutput() throws IOException {
        Path golden = models().resolve("model_PacJointUpsample_x4.safetensors");
        StateDict fromGolden = params(golden);
        for (String ext : List.of(".zip.pth", ".legacy.pth")) {
            Path pth = models().resolve("model_PacJointUpsample_x4" + ext);
            assertTrue(Files.isRegularFile(pth), "missing " + pth);
            StateDict d = WeightFiles.load(pth);
            assertEquals(fromGolden.names(), d.names(), ext + ": keys");
            try (Network net = new PacJointUpsample(4)) {
                assertEquals(new ArrayList<>(d.names()), new ArrayList<>(net.parameters().keySet()),
                        ext + ": keys in PyTorch's state-dict order");
            }
            double rel = runWith(golden, d);
            assertTrue(rel <= 1, ext + ": max error is " + rel + " times the tolerance");
        }
    }

    @Test
    void parameterNamesAndShapesMatchTheGoldenFiles() throws IOException {
        for (String name : EXPECTED) {
            Path golden = models().resolve(name + ".safetensors");
            StateDict want = params(golden);
            try (SafeTensors st = SafeTensors.open(golden);
                 Network net = ModelRegistry.get(st.metadata().get("model")).create(st.metadata().get("args"))) {
                Map<String, Tensor> got = net.parameters();
                assertEquals(new java.util.TreeSet<>(want.names()), new java.util.TreeSet<>(got.keySet()),
                        name + ": keys");
                for (String k : want.names()) {
                    assertArrayEquals(want.get(k).shape(), got.get(k).shape(), name + ": " + k);
                }
            }
        }
    }

    @Test
    void loadStateDictReportsEveryProblemAtOnce() {
        try (PacJointUpsample net = PacJointUpsample.builder(4).seed(1).build()) {
            StateDict d = new StateDict();
            net.parameters().forEach(d::put);
            float[] before = net.parameters().get("branch_f.conv2.bias").toArray();
            d.remove("branch_t.conv1.weight");
            d.remove("up_convts.1.bias");
            d.put("branch_x.conv1.weight", new float[2], 2);
            d.put("branch_f.conv2.bias", new float[3], 3);
            d.put("branch_g.conv3.weight", new float[32 * 32 * 25], 32, 32, 5, 5); // right shape: fine
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(d));
            String m = e.getMessage();
            assertTrue(m.contains("2 missing, 1 unexpected, 1 with the wrong shape"), m);
            assertTrue(m.contains("branch_t.conv1.weight") && m.contains("up_convts.1.bias")
                    && m.contains("branch_x.conv1.weight") && m.contains("branch_f.conv2.bias"), m);
            // nothing was changed
            assertArrayEquals(before, net.parameters().get("branch_f.conv2.bias").toArray());
        }
    }

    @Test
    void batchNormVariantsHaveTheReferenceKeysAndAcceptNumBatchesTracked() {
        try (PacJointUpsample net = PacJointUpsample.builder(2).tBn(true).uBn(true).nTLayers(2).nFLayers(1)
                .nTFilters(8).nGFilters(6).nFFilters(5).kCh(4).seed(3).build()) {
            List<String> keys = new ArrayList<>(net.parameters().keySet());
            assertEquals(List.of("branch_t.conv1.weight", "branch_t.conv1.bias", "branch_t.bn1.weight",
                    "branch_t.bn1.bias", "branch_t.bn1.running_mean", "branch_t.bn1.running_var",
                    "branch_t.conv2.weight", "branch_t.conv2.bias", "branch_t.bn2.weight", "branch_t.bn2.bias",
                    "branch_t.bn2.running_mean", "branch_t.bn2.running_var",
                    "branch_g.conv1.weight", "branch_g.conv1.bias", "branch_g.conv2.weight", "branch_g.conv2.bias",
                    "branch_g.conv3.weight", "branch_g.conv3.bias",
                    "up_convts.0.weight", "up_convts.0.bias",
                    "up_bns.0.weight", "up_bns.0.bias", "up_bns.0.running_mean", "up_bns.0.running_var",
                    "branch_f.conv1.weight", "branch_f.conv1.bias"), keys);
            assertArrayEquals(new long[] {8, 1, 5, 5}, net.parameters().get("branch_t.conv1.weight").shape());
            assertArrayEquals(new long[] {4, 6, 5, 5}, net.parameters().get("branch_g.conv3.weight").shape());
            assertArrayEquals(new long[] {8, 5, 5, 5}, net.parameters().get("up_convts.0.weight").shape());
            StateDict d = new StateDict();
            net.parameters().forEach(d::put);
            d.put("branch_t.bn1.num_batches_tracked", new float[] {7}); // rank 0, ignored
            net.loadStateDict(d);
            try (Tensor t = Tensor.allocate(1, 1, 4, 5); Tensor g = Tensor.allocate(1, 3, 8, 10);
                 Tensor out = net.forward(t, g)) {
                assertArrayEquals(new long[] {1, 1, 8, 10}, out.shape());
            }
        }
    }

    @Test
    void liteFactorsAndWideVariantsBuild() {
        for (int f : new int[] {4, 8, 16}) {
            try (PacJointUpsampleLite net = new PacJointUpsampleLite(f, 1, 3, 5L)) {
                assertEquals(Integer.numberOfTrailingZeros(f), net.upConvts().size());
                try (Tensor t = Tensor.allocate(1, 1, 3, 2); Tensor g = Tensor.allocate(1, 3, 3 * f, 2 * f);
                     Tensor out = net.forward(t, g)) {
                    assertArrayEquals(new long[] {1, 1, 3 * f, 2 * f}, out.shape());
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PacJointUpsampleLite(2));
        assertTrue(e.getMessage().startsWith("factor"), e.getMessage());
        try (DJIFWide w = new DJIFWide(4, 1, 3, 9L)) {
            assertArrayEquals(new long[] {256, 1, 9, 9}, w.parameters().get("branch_t.0.weight").shape());
            assertArrayEquals(new long[] {256, 2, 9, 9}, w.parameters().get("branch_joint.0.weight").shape());
        }
    }

    /** A flow-like target with two channels equals running each channel on its own. */
    @Test
    void multiChannelTargetsRunOneChannelAtATime() throws IOException {
        Path golden = models().resolve("model_PacJointUpsample_x4.safetensors");
        try (SafeTensors st = SafeTensors.open(golden);
             Network n = ModelRegistry.get("PacJointUpsample").create(st.metadata().get("args"));
             Tensor t = st.readTensor("target_low"); Tensor g = st.readTensor("guide")) {
            n.loadStateDict(params(golden));
            PacJointUpsample net = (PacJointUpsample) n;
            try (Tensor t2 = StdOps.scale(t, -0.5); Tensor both = StdOps.concatChannels(t, t2);
                 Tensor o1 = net.forward(t, g); Tensor o2 = net.forward(t2, g); Tensor ob = net.forward(both, g);
                 Tensor s0 = StdOps.sliceChannels(ob, 0, 1); Tensor s1 = StdOps.sliceChannels(ob, 1, 1)) {
                assertArrayEquals(new long[] {1, 2, 32, 32}, ob.shape());
                assertArrayEquals(o1.toArray(), s0.toArray());
                assertArrayEquals(o2.toArray(), s1.toArray());
            }
        }
    }

    @Test
    void jointBilateralAndBilinear() {
        try (JointBilateral jb = new JointBilateral(4, 1, 7, 0.1, 5.0)) {
            assertEquals(List.of("convt.weight"), new ArrayList<>(jb.parameters().keySet()));
            float[] w = jb.parameters().get("convt.weight").toArray();
            for (float v : w) {
                assertEquals(1f, v);
            }
            // normalised kernel with identity weight: a constant target stays constant
            try (Tensor t = Tensor.allocate(1, 1, 5, 6); Tensor g = Tensor.allocate(2 - 1, 3, 20, 24)) {
                t.fill(2.5f);
                for (int i = 0; i < g.numel(); i++) {
                    g.setFlat(i, (float) Math.sin(i));
                }
                try (Tensor out = jb.forward(t, g)) {
                    assertArrayEquals(new long[] {1, 1, 20, 24}, out.shape());
                    for (float v : out.toArray()) {
                        assertEquals(2.5f, v, 1e-5);
                    }
                }
            }
        }
        try (Bilinear b = new Bilinear(4); Tensor t = Tensor.allocate(1, 2, 3, 3);
             Tensor out = b.forward(t, null)) {
            assertTrue(b.parameters().isEmpty());
            assertArrayEquals(new long[] {1, 2, 12, 12}, out.shape());
        }
    }

    @Test
    void argumentErrorsNameTheArgument() {
        try (PacJointUpsample net = PacJointUpsample.builder(4).seed(2).build();
             Tensor t = Tensor.allocate(1, 1, 4, 4); Tensor g = Tensor.allocate(1, 3, 15, 16);
             Tensor g1 = Tensor.allocate(1, 1, 16, 16)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(t, g)).getMessage()
                    .startsWith("guide"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(t, g1)).getMessage()
                    .startsWith("guide"));
            assertTrue(assertThrows(NullPointerException.class, () -> net.forward(null, g)).getMessage()
                    .startsWith("targetLow"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PacJointUpsample.builder(3).build())
                .getMessage().startsWith("factor"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PacJointUpsample.builder(4).nTFilters(8, 8).build()).getMessage().startsWith("nTFilters"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelRegistry.get("DJIF").create("{\"factor\": 4, \"colour\": 1}"));
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
        assertFalse(ModelRegistry.names().isEmpty());
        assertTrue(ModelRegistry.names().containsAll(UPSAMPLING), ModelRegistry.names().toString());
        assertTrue(Arrays.asList(assertThrows(IllegalArgumentException.class, () -> ModelRegistry.get("Nope"))
                .getMessage().split(" ")).contains("'Nope'"));
    }
}
