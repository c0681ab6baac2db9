package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.jpac.golden.GoldenRunner;
import org.jpac.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse-mode gradients of the upsampling networks: directional derivatives
 * against central differences on tiny networks, the golden model files'
 * gradients, and the saved-tensor life cycle.
 */
class UpsampleGradientTest {

    @TempDir
    Path tmp;

    private static Tensor random(Random r, double scale, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return Tensor.of(v, shape);
    }

    /** sum(net(target, guide) * weights) in double. */
    private static double objective(UpsamplingNetwork net, Tensor target, Tensor guide, Tensor weights) {
        try (Tensor out = net.forward(target, guide)) {
            return GradAcc.dot(out, weights);
        }
    }

    /** x += s * d, in place (s = 1, d = x doubles x). */
    private static void move(Tensor x, Tensor d, double s) {
        StdOps.axpbyInto(1, x, s, d, x);
    }

    /**
     * For each learnable parameter and for both inputs: the derivatives of a
     * random linear function of the output for two random elements, by central
     * differences, against the backward pass.
     */
    private static void checkElements(TrainableUpsampler net, Tensor target, Tensor guide, long seed) {
        checkElements(net, target, guide, seed, java.util.Set.of());
    }

    /** As above; a non-empty {@code only} restricts the parameters checked (to keep the test fast). */
    private static void checkElements(TrainableUpsampler net, Tensor target, Tensor guide, long seed,
                                         java.util.Set<String> only) {
        Random r = new Random(seed);
        try (Tensor out0 = net.forward(target, guide); Tensor w = random(r, 1, out0.shape())) {
            UpsampleGrads g;
            try (Tensor out = net.forwardTrain(target, guide)) {
                assertEquals(GradAcc.dot(out0, w), GradAcc.dot(out, w), 1e-4 * (1 + Math.abs(GradAcc.dot(out0, w))),
                        "the training forward gives the forward's output");
                g = net.backward(w);
            }
            try (g) {
                Map<String, Tensor> tensors = new LinkedHashMap<>(net.learnableParameters());
                tensors.put("<target>", target);
                tensors.put("<guide>", guide);
                Map<String, Tensor> grads = new HashMap<>(g.gradParams());
                grads.put("<target>", g.gradTargetLow());
                grads.put("<guide>", g.gradGuide());
                assertEquals(net.learnableParameters().keySet(), g.gradParams().keySet());
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    if (!only.isEmpty() && !only.contains(e.getKey()) && !e.getKey().startsWith("<")) {
                        continue;
                    }
                    Tensor x = e.getValue();
                    float[] ga = grads.get(e.getKey()).toArray();
                    float[] x0 = x.toArray();
                    for (int k = 0; k < 2; k++) {
                        int i = r.nextInt(x0.length);
                        // steps of 1e-4 to 1e-3: the smallest suffer from float32 rounding, the largest
                        // from ReLU kinks (dense in tiny networks). One of them must agree, centrally or on
                        // one side (a kink on the other side of the point makes that side's slope differ).
                        StringBuilder tried = new StringBuilder();
                        boolean ok = false;
                        double l0 = objective(net, target, guide, w);
                        for (double eps : new double[] {3e-4, 1e-4, 1e-3}) {
                            float[] v = x0.clone();
                            v[i] = (float) (x0[i] + eps);
                            double up = v[i] - x0[i];
                            x.copyFrom(v);
                            double lp = objective(net, target, guide, w);
                            v[i] = (float) (x0[i] - eps);
                            double down = x0[i] - v[i];
                            x.copyFrom(v);
                            double lm = objective(net, target, guide, w);
                            x.copyFrom(x0);
                            for (double numeric : new double[] {(lp - lm) / (up + down), (lp - l0) / up,
                                (l0 - lm) / down}) {
                                double tol = 3e-2 * Math.max(Math.abs(numeric), Math.abs(ga[i])) + 2e-3;
                                ok |= Math.abs(numeric - ga[i]) <= tol;
                                tried.append(' ').append((float) numeric);
                            }
                            if (ok) {
                                break;
                            }
                            tried.append(';');
                        }
                        assertTrue(ok, net.getClass().getSimpleName() + " " + e.getKey() + "[" + i + "]: backward "
                                + ga[i] + ", central differences" + tried);
                    }
                }
            }
        }
    }

    private static PacJointUpsample tinyPac(int factor) {
        return PacJointUpsample.builder(factor).nTLayers(1).nGLayers(2).nFLayers(1).nTFilters(3).nGFilters(3)
                .nFFilters(3).kCh(2).fSz1(3).seed(7).build();
    }

    @Test
    void pacJointUpsampleMatchesFiniteDifferences() {
        Random r = new Random(11);
        try (PacJointUpsample net = tinyPac(4); Tensor target = random(r, 5, 2, 1, 2, 2);
             Tensor guide = random(r, 1, 2, 3, 8, 8)) {
            checkElements(net, target, guide, 1);
        }
    }

    @Test
    void multiChannelTargetsShareTheGuideGradient() {
        Random r = new Random(12);
        try (PacJointUpsample net = tinyPac(2); Tensor target = random(r, 5, 1, 2, 3, 4);
             Tensor guide = random(r, 1, 1, 3, 6, 8)) {
            checkElements(net, target, guide, 2);
        }
    }

    @Test
    void bilinearResidualMatchesFiniteDifferencesAndAddsBilinear() {
        Random r = new Random(16);
        try (BilinearResidual net = new BilinearResidual(tinyPac(4)); Tensor target = random(r, 5, 2, 1, 2, 3);
             Tensor guide = random(r, 1, 2, 3, 8, 12)) {
            checkElements(net, target, guide, 5);
            try (Tensor out = net.forward(target, guide); Tensor inner = net.inner().forward(target, guide);
                 Tensor up = StdOps.resizeBilinearScale(target, 4); Tensor diff = StdOps.sub(out, inner)) {
                TestSupport.assertClose("output - network = bilinear", TestSupport.doubles(up), diff, 1e-5);
            }
            assertEquals(net.inner().parameters().keySet(), net.parameters().keySet(), "the wrapped network's keys");
        }
        assertTrue(BilinearResidual.requestedBy(Map.of("target_residual", "bilinear")));
        assertFalse(BilinearResidual.requestedBy(Map.of("target_residual", "none")));
        assertFalse(BilinearResidual.requestedBy(Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> BilinearResidual.requestedBy(Map.of("target_residual", "bicubic")));
    }

    @Test
    void djifMatchesFiniteDifferences() {
        Random r = new Random(13);
        try (DJIF net = new DJIF(2, 1, 3, new int[] {3, 1, 3}, new int[] {4, 3, 1}, new int[] {4, 3}, 5L);
             Tensor target = random(r, 5, 1, 1, 4, 4); Tensor guide = random(r, 1, 1, 3, 8, 8)) {
            checkElements(net, target, guide, 3, java.util.Set.of("branch_t.0.weight", "branch_t.4.bias",
                    "branch_g.2.weight", "branch_joint.0.weight", "branch_joint.4.bias"));
        }
    }

    @Test
    void jointBilateralMatchesFiniteDifferences() {
        Random r = new Random(14);
        try (JointBilateral net = new JointBilateral(2, 1, 5, 0.5, 2.0); Tensor target = random(r, 1, 1, 1, 3, 3);
             Tensor guide = random(r, 0.3, 1, 3, 6, 6)) {
            checkElements(net, target, guide, 4);
        }
    }

    @Test
    void savedTensorsLifeCycle() {
        Random r = new Random(15);
        try (PacJointUpsample net = tinyPac(2); Tensor target = random(r, 1, 1, 1, 2, 2);
             Tensor guide = random(r, 1, 1, 3, 4, 4); Tensor go = random(r, 1, 1, 1, 4, 4)) {
            assertThrows(IllegalStateException.class, () -> net.backward(go));
            try (Tensor out = net.forwardTrain(target, guide); UpsampleGrads g = net.backward(go, false)) {
                assertNull(g.gradTargetLow());
                assertNull(g.gradGuide());
                assertFalse(g.gradParams().isEmpty());
            }
            assertThrows(IllegalStateException.class, () -> net.backward(go), "backward releases the tape");
            try (Tensor out = net.forwardTrain(target, guide); Tensor bad = random(r, 1, 1, 1, 2, 2)) {
                assertThrows(IllegalArgumentException.class, () -> net.backward(bad));
            }
            try (Tensor out = net.forwardTrain(target, guide)) {
                net.releaseSaved();
                assertThrows(IllegalStateException.class, () -> net.backward(go));
            }
        }
        try (PacJointUpsample bn = PacJointUpsample.builder(2).nTLayers(1).nGLayers(1).nFLayers(1).nTFilters(2)
                .kCh(2).fSz1(3).tBn(true).seed(1).build(); Tensor t = Tensor.allocate(1, 1, 2, 2);
             Tensor g = Tensor.allocate(1, 3, 4, 4)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> bn.forwardTrain(t, g));
            assertTrue(e.getMessage().contains("branch_t.bn1"), e.getMessage());
        }
    }

    /**
     * The golden runner compares the gradients of model files (ModelGoldenTest runs
     * every file): a copy with one parameter gradient doubled fails.
     */
    @Test
    void goldenGradientsAreChecked() throws IOException {
        Path dir = TestSupport.goldenDir().resolve("models");
        for (String name : new String[] {"model_JointBilateral_x4"}) {
            Path f = dir.resolve(name + ".safetensors");
            GoldenRunner.CaseResult ok = GoldenRunner.run(f);
            assertTrue(ok.passed(), ok.message());
            Path bad = tmp.resolve(name + ".safetensors");
            String key;
            try (SafeTensors st = SafeTensors.open(f)) {
                key = st.names().stream().filter(n -> n.startsWith("grad_param.") && n.endsWith("weight"))
                        .findFirst().orElseThrow();
                Map<String, Tensor> all = new LinkedHashMap<>();
                try {
                    for (String n : st.names()) {
                        Tensor t = st.readTensor(n);
                        all.put(n, t);
                        if (n.equals(key)) {
                            move(t, t, 1); // doubled
                        }
                    }
                    SafeTensors.write(bad, all, st.metadata());
                } finally {
                    all.values().forEach(Tensor::close);
                }
            }
            GoldenRunner.CaseResult r = GoldenRunner.run(bad);
            assertFalse(r.passed(), name + ": a wrong " + key + " must fail");
            assertTrue(r.message().contains(key), r.message());
        }
        assertTrue(Files.isDirectory(dir));
    }
}
