package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.jpac.Tensor;
import org.jpac.io.SafeTensors;
import org.jpac.model.DepthUpsampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JBU skip: an untrained model is JBU, holes are JBU's to skip, the loader builds it from metadata. */
class JbuResidualTest {

    private static final int F = 4;

    /** A small PacJointUpsample taking RGB + the JBU channel, its output layer at zero. */
    private static PacJointUpsample zeroOutput(long seed) {
        PacJointUpsample net = PacJointUpsample.builder(F).guideChannels(4).nTLayers(1).nGLayers(2).nFLayers(1)
                .nTFilters(4).nGFilters(4).nFFilters(4).kCh(3).fSz1(3).seed(seed).build();
        net.parameters().get("branch_f.conv1.weight").fill(0);
        net.parameters().get("branch_f.conv1.bias").fill(0);
        return net;
    }

    /** A guide with a colour edge at x = 13 and a low-resolution depth step at the same place. */
    private static Tensor guide() {
        int h = 8 * F;
        int w = 10 * F;
        float[] d = new float[3 * h * w];
        Random r = new Random(1);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    d[(c * h + y) * w + x] = (x < 13 ? 0.2f : 0.7f) + 0.02f * (float) r.nextGaussian();
                }
            }
        }
        return Tensor.of(d, 1, 3, h, w);
    }

    private static Tensor low(boolean holes) {
        float[] d = new float[8 * 10];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 10; x++) {
                d[y * 10 + x] = x * F + 1 < 13 ? 0.25f : 0.9f - 0.01f * y;
            }
        }
        if (holes) {
            d[3 * 10 + 3] = Float.NaN;
            d[3 * 10 + 4] = Float.NaN;
            d[6 * 10 + 8] = Float.NaN;
        }
        return Tensor.of(d, 1, 1, 8, 10);
    }

    @Test
    void anUntrainedModelIsJbuOnEitherProtocolWithAndWithoutHoles() {
        for (Sampling s : Sampling.values()) {
            for (boolean holes : new boolean[] {false, true}) {
                try (JbuResidual net = new JbuResidual(zeroOutput(1), s); Tensor g = guide(); Tensor l = low(holes);
                     Tensor out = net.forward(l, g);
                     Tensor jbu = SampledJointBilateral.defaults(F, s).forward(l, g)) {
                    float[] o = out.toArray();
                    float[] j = jbu.toArray();
                    assertEquals(j.length, o.length);
                    for (int i = 0; i < o.length; i++) {
                        assertTrue(Float.isFinite(o[i]), s + " holes " + holes + ": non-finite at " + i);
                        assertEquals(j[i], o[i], 0f, s + " holes " + holes + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void aTrainedCorrectionChangesTheOutputAndHolesNeverReachTheNetwork() {
        try (PacJointUpsample inner = zeroOutput(2)) {
            inner.parameters().get("branch_f.conv1.bias").fill(0.125f);
            try (JbuResidual net = new JbuResidual(inner, Sampling.CENTER); Tensor g = guide();
                 Tensor l = low(true); Tensor out = net.forward(l, g);
                 Tensor jbu = SampledJointBilateral.defaults(F, Sampling.CENTER).forward(l, g)) {
                float[] o = out.toArray();
                float[] j = jbu.toArray();
                for (int i = 0; i < o.length; i++) {
                    assertEquals(j[i] + 0.125f, o[i], 1e-6f, "at " + i);
                }
            }
        }
    }

    /** A two-channel target (flow) runs one channel at a time, as the UpsamplingNetwork contract says. */
    @Test
    void aTwoChannelTargetRunsOneChannelAtATime() {
        try (PacJointUpsample inner = zeroOutput(4)) {
            inner.parameters().get("branch_f.conv1.bias").fill(0.125f);
            try (JbuResidual net = new JbuResidual(inner, Sampling.AREA); Tensor g = guide(); Tensor l = low(false);
                 Tensor two = StdOps.concatChannels(l, l); Tensor one = net.forward(l, g);
                 Tensor both = net.forward(two, g)) {
                assertArrayEquals(new long[] {1, 2, 8 * F, 10 * F}, both.shape());
                float[] o = one.toArray();
                float[] b = both.toArray();
                for (int i = 0; i < o.length; i++) {
                    assertEquals(o[i], b[i], 0f, "channel 0 at " + i);
                    assertEquals(o[i], b[o.length + i], 0f, "channel 1 at " + i);
                }
            }
        }
    }

    @Test
    void backwardGivesEveryParameterItsGradientAndRefusesInputGradients() {
        try (JbuResidual net = new JbuResidual(zeroOutput(3), Sampling.AREA); Tensor g = guide();
             Tensor l = low(true)) {
            try (Tensor out = net.forwardTrain(l, g); Tensor grad = Tensor.allocate(out.shape())) {
                grad.fill(1);
                try (UpsampleGrads gr = net.backward(grad, false)) {
                    assertEquals(net.learnableParameters().keySet(), gr.gradParams().keySet());
                    float[] gb = gr.gradParams().get("branch_f.conv1.bias").toArray();
                    assertEquals(out.numel(), gb[0], 1e-3 * out.numel(), "d sum(out) / d bias = pixels");
                    float[] gw = gr.gradParams().get("branch_f.conv1.weight").toArray();
                    boolean any = false;
                    for (float v : gw) {
                        any |= v != 0;
                    }
                    assertTrue(any, "the zeroed output layer still gets a gradient, so training can start");
                }
            }
            try (Tensor out = net.forwardTrain(l, g); Tensor grad = Tensor.allocate(out.shape())) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> net.backward(grad, true));
                assertTrue(e.getMessage().startsWith("inputGrads: "), e.getMessage());
            }
        }
    }

    @Test
    void theLoaderBuildsTheSkipFromTheMetadataAndNeedsOneProtocol(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("jbu.safetensors");
        Map<String, String> md = new LinkedHashMap<>();
        md.put("model", "PacJointUpsample");
        md.put("args", "{\"factor\": 4, \"channels\": 1, \"guide_channels\": 4, \"n_t_layers\": 1, \"n_g_layers\": 2,"
                + " \"n_f_layers\": 1, \"n_t_filters\": 4, \"n_g_filters\": 4, \"n_f_filters\": 4, \"k_ch\": 3,"
                + " \"f_sz_1\": 3}");
        md.put("target_residual", "jbu");
        md.put("target_scaling", "none");
        md.put("sampling", "center");
        try (PacJointUpsample net = zeroOutput(4)) {
            SafeTensors.write(file, net.parameters(), md);
        }
        try (DepthUpsampler up = DepthUpsampler.load(file); Tensor g = guide(); Tensor l = low(true);
             Tensor out = up.upsample(g, l, Sampling.CENTER);
             Tensor jbu = SampledJointBilateral.defaults(F, Sampling.CENTER).forward(l, g)) {
            assertTrue(up.network() instanceof JbuResidual, up.toString());
            assertEquals(Set.of(Sampling.CENTER), up.samplings());
            float[] o = out.toArray();
            float[] j = jbu.toArray();
            for (int i = 0; i < o.length; i++) {
                assertEquals(j[i], o[i], 0f, "at " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> up.upsample(g, l, Sampling.AREA));
        }
        md.put("sampling", "center,area");
        Path both = dir.resolve("both.safetensors");
        try (PacJointUpsample net = zeroOutput(4)) {
            SafeTensors.write(both, net.parameters(), md);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DepthUpsampler.load(both));
        assertTrue(e.getMessage().startsWith("sampling: ") && e.getMessage().contains("center,area"), e.getMessage());
    }

    @Test
    void theSkipIsReadFromMetadataAndUnknownValuesAreRefused() {
        assertEquals(TargetSkip.NONE, TargetSkip.of(Map.of()));
        assertEquals(TargetSkip.JBU, TargetSkip.of(Map.of("target_residual", "jbu")));
        assertEquals(TargetSkip.BILINEAR, TargetSkip.of(Map.of("target_residual", "bilinear")));
        assertFalse(BilinearResidual.requestedBy(Map.of("target_residual", "jbu")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TargetSkip.of(Map.of("target_residual", "bicubic")));
        assertTrue(e.getMessage().startsWith("target_residual") && e.getMessage().contains("bicubic"),
                e.getMessage());
        assertEquals(4, TargetSkip.JBU.networkGuideChannels(3));
    }
}
