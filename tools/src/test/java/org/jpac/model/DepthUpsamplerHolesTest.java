package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.io.images.Image;
import org.jpac.nn.Sampling;
import org.jpac.train.Sample;
import org.jpac.train.SyntheticRgbd;
import org.junit.jupiter.api.Test;

/** The loader's sampling protocols and its hole filling. */
class DepthUpsamplerHolesTest {

    @Test
    void holesNeverPullTheBundledModelsOutputTowardZero() {
        Sample s = new SyntheticRgbd(11).scene(0, 64, 64);
        float[] low = Sampling.AREA.downsample(s.target(), 64, 64, 8);
        float min = Float.MAX_VALUE;
        for (float v : low) {
            min = Math.min(min, v);
        }
        float[] holed = low.clone();
        for (int i = 0; i < holed.length; i += 5) {
            holed[i] = Float.NaN;
        }
        try (DepthUpsampler up = DepthUpsampler.bundled(8);
             Tensor g = Tensor.of(s.guide(), 1, 3, 64, 64); Tensor l = Tensor.of(holed, 1, 1, 8, 8);
             Tensor o = up.upsample(g, l)) {
            for (float v : o.toArray()) {
                assertTrue(Float.isFinite(v) && v > 0.5f * min, "output " + v + ", smallest input " + min);
            }
        }
        // a 16-bit depth image's zeros are holes too
        float[] mm = new float[low.length];
        for (int i = 0; i < mm.length; i++) {
            mm[i] = i % 5 == 0 ? 0 : Math.round(low[i] * 1000);
        }
        Image guide = Image.of(s.guide(), 3, 64, 64);
        try (DepthUpsampler up = DepthUpsampler.bundled(8)) {
            Image out = up.upsample(guide, Image.ofSamples(mm, 1, 8, 8, 16));
            for (float v : out.data()) {
                assertTrue(v > 500 * min, "output " + v + " mm");
            }
        }
    }

    @Test
    void bundledUpsamplersExistFor4x8xAnd16xAndTakeBothProtocols() {
        for (int f : new int[] {4, 8, 16}) {
            try (DepthUpsampler up = DepthUpsampler.bundled(f)) {
                assertEquals(f, up.factor());
                assertEquals(java.util.EnumSet.allOf(Sampling.class), up.samplings(), "x" + f);
                assertTrue(up.scalesTarget());
            }
        }
        // for each protocol at 8x, the model trained for it alone (a JBU refinement) is preferred
        try (DepthUpsampler area = DepthUpsampler.bundled(8, Sampling.AREA);
             DepthUpsampler center = DepthUpsampler.bundled(8, Sampling.CENTER)) {
            assertTrue(area.toString().contains("pac_upsample_x8_area"), area.toString());
            assertEquals(java.util.Set.of(Sampling.AREA), area.samplings());
            assertTrue(center.toString().contains("pac_upsample_x8_center"), center.toString());
            assertEquals(java.util.Set.of(Sampling.CENTER), center.samplings());
            assertTrue(area.network() instanceof org.jpac.nn.JbuResidual, area.toString());
        }
    }

    @Test
    void anInputWithoutAKnownSampleIsRefused() {
        float[] nan = new float[64];
        java.util.Arrays.fill(nan, Float.NaN);
        try (DepthUpsampler up = DepthUpsampler.bundled(8); Tensor g = Tensor.allocate(1, 3, 64, 64);
             Tensor l = Tensor.of(nan, 1, 1, 8, 8)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> up.upsample(g, l));
            assertTrue(e.getMessage().contains("missing"), e.getMessage());
        }
    }

    @Test
    void theRecordedProtocolsAreAppliedAndOthersRefused() {
        try (DepthUpsampler up = DepthUpsampler.bundled(8)) {
            Map<String, String> md = new java.util.HashMap<>(BundledModels.read("pac_upsample_x8").metadata());
            StateDict dict = BundledModels.read("pac_upsample_x8").stateDict();
            for (String rec : new String[] {"center", "area", "center,area"}) {
                md.put(DepthUpsampler.SAMPLING_KEY, rec);
                try (DepthUpsampler u = DepthUpsampler.from(ModelWeights.of("test", dict, md));
                     Tensor g = Tensor.allocate(1, 3, 16, 16); Tensor l = Tensor.allocate(1, 1, 2, 2)) {
                    assertEquals(Sampling.parseSet(rec, "x"), u.samplings());
                    for (Sampling s : Sampling.values()) {
                        if (rec.contains(s.key())) {
                            u.upsample(g, l, s).close();
                        } else {
                            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                    () -> u.upsample(g, l, s));
                            assertTrue(e.getMessage().startsWith("sampling: ") && e.getMessage().contains(s.key()),
                                    e.getMessage());
                        }
                    }
                }
            }
            md.put(DepthUpsampler.SAMPLING_KEY, "nearest");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DepthUpsampler.from(ModelWeights.of("test", dict, md)));
            assertTrue(e.getMessage().contains("sampling") && e.getMessage().contains("nearest"), e.getMessage());
            assertTrue(up.samplings().size() >= 1);
        }
    }
}
