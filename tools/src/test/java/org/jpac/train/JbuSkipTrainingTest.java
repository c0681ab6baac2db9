package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.jpac.nn.JbuResidual;
import org.jpac.nn.SampledJointBilateral;
import org.jpac.nn.Sampling;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.TrainableUpsampler;
import org.junit.jupiter.api.Test;

/** Training with the JBU skip: the run starts at JBU, steps on holes stay finite, validation has its own scenes. */
class JbuSkipTrainingTest {

    @Test
    void aFreshModelWithTheJbuSkipIsJbu() {
        List<Batch> set = DataStream.fixedSet(new SyntheticWorld(11), 11, 2, 32, 4,
                LowResProtocol.of(Sampling.CENTER, 0.1));
        try (TrainableUpsampler net = Models.create("pac", TargetSkip.JBU, 4, 7, Set.of(Sampling.CENTER))) {
            assertTrue(net instanceof JbuResidual, net.getClass().getName());
            double model = Evaluation.error(net, set);
            double jbu = Evaluation.error(SampledJointBilateral.defaults(4, Sampling.CENTER), set);
            assertEquals(jbu, model, 1e-6 * jbu);
        } finally {
            set.forEach(Batch::close);
        }
    }

    @Test
    void stepsOnInputWithHolesGiveFiniteLossesAndMoveTheOutputLayer() {
        LowResProtocol lowRes = new LowResProtocol(List.of(Sampling.AREA), 0.3, true);
        DataStream data = new DataStream(new SyntheticWorld(5), 5, 2, 32, 4, 10, lowRes);
        try (TrainableUpsampler net = Models.create("pac", TargetSkip.JBU, 4, 3, Set.of(Sampling.AREA))) {
            Trainer t = new Trainer(net, new Adam(1e-3), new StepLr(1e-3, 100, 1), MseLoss.mse(), data);
            for (int i = 0; i < 3; i++) {
                double loss = t.trainStep();
                assertTrue(Double.isFinite(loss), "step " + i + ": loss " + loss);
            }
            float[] w = net.parameters().get("branch_f.conv2.weight").toArray();
            double norm = 0;
            for (float v : w) {
                norm += v * v;
            }
            assertTrue(norm > 0, "the output layer, zero at the start, was trained");
        }
    }

    @Test
    void aWarmStartFromABilinearSkipModelWidensTheGuideLayerAndStillStartsAtJbu() {
        org.jpac.io.StateDict dict = new org.jpac.io.StateDict();
        try (TrainableUpsampler old = Models.create("pac", true, 4, 5)) {
            old.parameters().forEach(dict::put);
        }
        try (TrainableUpsampler net = Models.create("pac", TargetSkip.JBU, 4, 6, Set.of(Sampling.AREA))) {
            int n = WarmStart.apply(net, dict, "old");
            assertEquals(net.parameters().size(), n, "every tensor, the widened guide layer included");
            float[] w = net.parameters().get("branch_g.conv1.weight").toArray();
            float[] o = dict.asMap().get("branch_g.conv1.weight").data();
            int k = 25;
            for (int out = 0; out < 32; out++) {
                for (int i = 0; i < 3 * k; i++) {
                    assertEquals(o[out * 3 * k + i], w[out * 4 * k + i]);
                }
                for (int i = 3 * k; i < 4 * k; i++) {
                    assertEquals(0f, w[out * 4 * k + i], "the JBU channel starts unused");
                }
            }
            Models.zeroLastLayer("pac", net);
            List<Batch> set = DataStream.fixedSet(new SyntheticWorld(12), 12, 1, 32, 4,
                    LowResProtocol.of(Sampling.AREA, 0));
            try {
                double jbu = Evaluation.error(SampledJointBilateral.defaults(4, Sampling.AREA), set);
                assertEquals(jbu, Evaluation.error(net, set), 1e-6 * jbu);
            } finally {
                set.forEach(Batch::close);
            }
        }
    }

    @Test
    void theJbuSkipNeedsOneProtocolAndValidationScenesAreNotTheHeldOutOnes() {
        LowResProtocol both = new LowResProtocol(List.of(Sampling.CENTER, Sampling.AREA), 0, false);
        Path out = Path.of("x.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig("pac",
                TargetSkip.JBU, 8, null, 1, 1, 1, 1, 64, 1e-3, "adam", 0.9, 0, 0, 1, 0, 128, 0, out, out, null,
                both, null, "world", "mse"));
        assertTrue(e.getMessage().startsWith("sampling: "), e.getMessage());
        assertNotEquals(SyntheticRgbd.HELD_OUT_SEED, SyntheticRgbd.VALIDATION_SEED);
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                () -> TrainingLoop.openData(null, SyntheticRgbd.VALIDATION_SEED, "world"));
        assertTrue(s.getMessage().startsWith("seed: ") && s.getMessage().contains("validation"), s.getMessage());
        float[] a = new SyntheticWorld(SyntheticRgbd.VALIDATION_SEED).scene(0, 16, 16).target();
        float[] b = new SyntheticWorld(SyntheticRgbd.HELD_OUT_SEED).scene(0, 16, 16).target();
        assertTrue(!java.util.Arrays.equals(a, b), "validation scene 0 is the held-out scene 0");
    }
}
