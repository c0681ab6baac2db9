package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.nn.PacJointUpsample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training steps: the loss goes down on a fixed batch; a resumed run equals an uninterrupted one. */
class TrainerTest {

    @TempDir
    Path tmp;

    private static PacJointUpsample tiny(long seed) {
        return PacJointUpsample.builder(2).nTLayers(1).nGLayers(2).nFLayers(1).nTFilters(4).nGFilters(4)
                .nFFilters(4).kCh(3).fSz1(3).seed(seed).build();
    }

    @Test
    void stepsDecreaseTheLossOnAFixedBatch() {
        DataStream data = new DataStream(new SyntheticRgbd(3), 3, 2, 16, 2, 10);
        try (PacJointUpsample net = tiny(1); Batch raw = data.batch(0); Batch b = TargetRange.scaled(raw)) {
            Adam opt = new Adam(1e-2);
            double first = Trainer.update(net, opt, MseLoss.mse(), b);
            double last = first;
            for (int i = 0; i < 15; i++) {
                last = Trainer.update(net, opt, MseLoss.mse(), b);
            }
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
            assertEquals(16, opt.steps());
        }
    }

    private static Map<String, float[]> values(PacJointUpsample net) {
        Map<String, float[]> m = new java.util.TreeMap<>();
        net.parameters().forEach((k, v) -> m.put(k, v.toArray()));
        return m;
    }

    @Test
    void checkpointAndResumeEqualsUninterrupted() throws Exception {
        DataStream data = new DataStream(new SyntheticRgbd(5), 5, 2, 16, 2, 3);
        StepLr lr = new StepLr(5e-3, 1, 0.5);
        Map<String, float[]> whole;
        try (PacJointUpsample net = tiny(2)) {
            Trainer t = new Trainer(net, new Adam(5e-3), lr, MseLoss.mse(), data);
            for (int i = 0; i < 5; i++) {
                t.trainStep();
            }
            whole = values(net);
        }
        Path ck = tmp.resolve("ck.safetensors");
        try (PacJointUpsample net = tiny(2)) {
            Trainer t = new Trainer(net, new Adam(5e-3), lr, MseLoss.mse(), data);
            t.trainStep();
            t.trainStep();
            Checkpoint.save(ck, net, t.optimizer(), t.step(), Map.of("model", "PacJointUpsample"));
        }
        try (PacJointUpsample net = tiny(99)) {
            Checkpoint.Contents c = Checkpoint.load(ck);
            assertEquals(2, c.step());
            assertEquals("PacJointUpsample", c.metadata().get("model"));
            net.loadStateDict(c.weights());
            Adam opt = new Adam(5e-3);
            opt.loadState(c.optimizerState(), c.optimizerSteps());
            Trainer t = new Trainer(net, opt, lr, MseLoss.mse(), data);
            t.setStep(c.step());
            for (int i = 0; i < 3; i++) {
                t.trainStep();
            }
            Map<String, float[]> resumed = values(net);
            assertEquals(whole.keySet(), resumed.keySet());
            for (String k : whole.keySet()) {
                assertArrayEquals(whole.get(k), resumed.get(k), k);
            }
        }
    }

    @Test
    void evaluationOfBaselinesAndTargetScaling() {
        List<Batch> set = DataStream.fixedSet(new SyntheticRgbd(SyntheticRgbd.HELD_OUT_SEED),
                SyntheticRgbd.HELD_OUT_SEED, 2, 16, 4);
        try {
            double bil = Evaluation.error(new org.jpac.nn.Bilinear(4), set);
            assertEquals(bil, Evaluation.error(new org.jpac.nn.Bilinear(4), set, false), 1e-5,
                    "bilinear does not depend on the scaling");
            assertTrue(bil > 0 && bil < 3, "bilinear RMSE " + bil);
            TargetRange r = TargetRange.of(set.get(0).targetLow());
            try (Tensor s = r.apply(set.get(0).targetLow()); Tensor back = r.undo(s)) {
                float[] v = s.toArray();
                float mn = Float.MAX_VALUE;
                float mx = -Float.MAX_VALUE;
                for (float x : v) {
                    mn = Math.min(mn, x);
                    mx = Math.max(mx, x);
                }
                assertEquals(0, mn, 1e-6);
                assertEquals(1, mx, 1e-6);
                assertArrayEquals(set.get(0).targetLow().toArray(), back.toArray(), 1e-5f);
            }
        } finally {
            set.forEach(Batch::close);
        }
        StateDict unused = new StateDict();
        assertTrue(unused.asMap().isEmpty());
    }
}
