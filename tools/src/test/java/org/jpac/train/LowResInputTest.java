package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.jpac.Tensor;
import org.jpac.nn.DepthHoles;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.Sampling;
import org.junit.jupiter.api.Test;

/** Low-resolution inputs by protocol and with holes; the world scenes; training with holes. */
class LowResInputTest {

    @Test
    void evaluationHolesAreExactAndTrainingHolesVary() {
        Sample s = new SyntheticWorld(2).scene(0, 64, 64);
        float[] low = LowResProtocol.of(Sampling.CENTER, 0.1).make(s, 4, 1, new SplittableRandom(1));
        assertEquals(26, DepthHoles.count(low)); // 10% of 256, rounded
        LowResProtocol train = new LowResProtocol(List.of(Sampling.CENTER, Sampling.AREA), 0.3, false);
        int none = 0;
        int some = 0;
        for (int i = 0; i < 40; i++) {
            long n = DepthHoles.count(train.make(s, 4, 1, new SplittableRandom(i)));
            assertTrue(n <= 77, "holes " + n);
            if (n == 0) {
                none++;
            } else {
                some++;
            }
        }
        assertTrue(none > 5 && some > 5, none + " without holes, " + some + " with");
    }

    @Test
    void bothProtocolsAreDrawnAndEachIsExact() {
        Sample s = new SyntheticRgbd(4).scene(1, 32, 32);
        float[] center = Sampling.CENTER.downsample(s.target(), 32, 32, 8);
        float[] area = Sampling.AREA.downsample(s.target(), 32, 32, 8);
        LowResProtocol both = new LowResProtocol(List.of(Sampling.CENTER, Sampling.AREA), 0, false);
        int c = 0;
        int a = 0;
        for (int i = 0; i < 30; i++) {
            float[] l = both.make(s, 8, 1, new SplittableRandom(i));
            if (java.util.Arrays.equals(l, center)) {
                c++;
            } else if (java.util.Arrays.equals(l, area)) {
                a++;
            }
        }
        assertEquals(30, c + a);
        assertTrue(c > 3 && a > 3, c + " center, " + a + " area");
    }

    @Test
    void worldScenesAreDeterministicFiniteAndVaried() {
        SyntheticWorld w = new SyntheticWorld(7);
        Sample a = w.scene(3, 48, 64);
        Sample b = w.scene(3, 48, 64);
        assertTrue(java.util.Arrays.equals(a.target(), b.target()) && java.util.Arrays.equals(a.guide(), b.guide()));
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (int id = 0; id < 12; id++) {
            Sample s = w.scene(id, 48, 64);
            double mn = Double.MAX_VALUE;
            double mx = 0;
            for (float d : s.target()) {
                assertTrue(Float.isFinite(d) && d > 0, "depth " + d);
                mn = Math.min(mn, d);
                mx = Math.max(mx, d);
            }
            for (float g : s.guide()) {
                assertTrue(g >= 0 && g <= 1);
            }
            assertTrue(mx > mn, "scene " + id + " is flat");
            lo = Math.min(lo, mx);
            hi = Math.max(hi, mx);
        }
        assertTrue(hi / lo > 2, "depth ranges barely vary: farthest " + lo + " .. " + hi);
    }

    @Test
    void trainingWithHolesStaysFinite() {
        DataStream data = new DataStream(new SyntheticWorld(3), 3, 2, 16, 2, 10,
                new LowResProtocol(List.of(Sampling.CENTER, Sampling.AREA), 0.3, false));
        try (PacJointUpsample net = PacJointUpsample.builder(2).nTLayers(1).nGLayers(2).nFLayers(1).nTFilters(4)
                .nGFilters(4).nFFilters(4).kCh(3).fSz1(3).seed(1).build()) {
            Trainer t = new Trainer(net, new Adam(1e-3), new StepLr(1e-3, 100, 1), MseLoss.mse(), data);
            for (int i = 0; i < 4; i++) {
                assertTrue(Double.isFinite(t.trainStep()));
            }
            List<Batch> set = DataStream.fixedSet(new SyntheticWorld(9), 9, 2, 16, 2,
                    LowResProtocol.of(Sampling.CENTER, 0.2));
            try {
                assertTrue(DepthHoles.any(set.get(0).targetLow()));
                double e = Evaluation.error(net, set);
                assertTrue(Double.isFinite(e), "error " + e);
                try (Tensor p = Evaluation.predict(net, set.get(0), true)) {
                    assertTrue(!DepthHoles.any(p));
                }
            } finally {
                set.forEach(Batch::close);
            }
        }
    }
}
