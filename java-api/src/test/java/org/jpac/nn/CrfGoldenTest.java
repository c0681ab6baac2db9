package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.jpac.io.SafeTensors;
import org.junit.jupiter.api.Test;

/**
 * PacCRF / PacCRFLoose against the reference's outputs in the golden model
 * files, built and run through {@link ModelRegistry} as the golden runner does.
 */
class CrfGoldenTest {

    private static final double RTOL = 1e-4;

    private static Path model(String name) {
        Path p = TestSupport.goldenDir().resolve("models").resolve(name);
        assertTrue(Files.isRegularFile(p), "golden model file not found: " + p);
        return p;
    }

    /** Builds the file's network, loads its param.* tensors, runs forward and backward, checks both. */
    private static void run(String file, Class<?> type) throws IOException {
        try (SafeTensors st = SafeTensors.open(model(file))) {
            ModelRegistry.Entry e = ModelRegistry.get(st.metadata().get("model"));
            Map<String, Tensor> owned = new HashMap<>();
            try (Network net = e.create(st.metadata().get("args"))) {
                assertInstanceOf(type, net);
                Map<String, Tensor> params = new LinkedHashMap<>();
                for (String n : st.names()) {
                    if (n.startsWith("param.")) {
                        Tensor t = st.readTensor(n);
                        owned.put(n, t);
                        params.put(n.substring("param.".length()), t);
                    }
                }
                assertEquals(new TreeSet<>(params.keySet()), new TreeSet<>(net.parameters().keySet()),
                        "state-dict keys");
                net.loadStateDict(params);
                java.util.function.Function<String, Tensor> read = name -> !st.contains(name) ? null
                        : owned.computeIfAbsent(name, k -> {
                            try {
                                return st.readTensor(k);
                            } catch (IOException x) {
                                throw new java.io.UncheckedIOException(x);
                            }
                        });
                try (Tensor out = e.forward().forward(net, read)) {
                    double[] want = st.readDoubles("output");
                    assertTrue(Arrays.equals(st.entry("output").shape(), out.shape()),
                            "output shape " + Arrays.toString(out.shape()));
                    TestSupport.assertClose(file + " output", want, out, RTOL);
                    double[] got = TestSupport.doubles(out);
                    double worst = 0;
                    for (int i = 0; i < want.length; i++) {
                        worst = Math.max(worst, Math.abs(got[i] - want[i]));
                    }
                    System.out.printf("%s: output max error %.3g (max |want| %.3g)%n", file, worst,
                            TestSupport.maxAbs(want));
                }
                CrfNetwork crf = (CrfNetwork) net;
                try (CrfGrads g = crf.gradients(read.apply("unary"), read.apply("edge_feat"),
                        read.apply("grad_output"))) {
                    Map<String, Tensor> got = new LinkedHashMap<>();
                    got.put("grad_unary", g.gradUnary());
                    got.put("grad_edge_feat", g.gradEdgeFeat());
                    g.gradParams().forEach((k, v) -> got.put("grad_param." + k, v));
                    for (String n : st.names()) {
                        if (n.startsWith("grad_") && !n.equals("grad_output")) {
                            Tensor t = got.get(n);
                            assertTrue(t != null, file + ": no gradient computed for " + n);
                            double[] want = st.readDoubles(n);
                            TestSupport.assertClose(file + " " + n, want, t, RTOL);
                            double err = maxErr(want, t);
                            System.out.printf("%s: %s max error %.3g (max |want| %.3g)%n", file, n, err,
                                    TestSupport.maxAbs(want));
                        }
                    }
                }
            } finally {
                owned.values().forEach(Tensor::close);
            }
        }
    }

    private static double maxErr(double[] want, Tensor got) {
        double[] g = TestSupport.doubles(got);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(g[i] - want[i]));
        }
        return worst;
    }

    @Test
    void pacCrf5cls() throws IOException {
        run("model_PacCRF_5cls.safetensors", PacCRF.class);
    }

    @Test
    void pacCrfLoose4cls() throws IOException {
        run("model_PacCRFLoose_4cls.safetensors", PacCRFLoose.class);
    }
}
