package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jpac.Tensor;
import org.jpac.TestSupport;
import org.jpac.nn.CompatType;
import org.jpac.nn.CrfOutput;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PairwiseKernel;

import org.junit.jupiter.api.Test;

/**
 * The CRF bundled until guide projections existed (a copy of its weight file
 * as a test resource) loads as before: no projections, and the same output as
 * that architecture built by hand with its values, calibration, scaled
 * windows and edge scales.
 */
class CrfFormerWeightsTest {

    @Test
    void theFormerBundledCrfRunsAsBuilt() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("paccrf_potts_2026-11-29.safetensors")) {
            assertNotNull(in, "test resource missing");
            ModelWeights w = ModelWeights.read(in, "paccrf_potts_2026-11-29");
            assertFalse(w.args().contains("guide_projection"), w.args());
            Map<String, String> md = w.metadata();
            try (CrfRefiner loaded = CrfRefiner.from(w, 3)) {
                PacCRF net = (PacCRF) loaded.network();
                assertEquals(0, net.guideProjection());
                assertEquals(List.of("unary_weight", "messengers.0.weight", "messengers.1.weight",
                        "pairwise_weights.0", "pairwise_weights.1"), List.copyOf(net.parameters().keySet()));
                PacCRF.Builder b = PacCRF.builder(3, 5).finalOutput(CrfOutput.LOG_Q).perturbedInit(false).seed(0)
                        .unaryWeight(net.unaryWeight());
                int[] dil = {16, 64};
                for (int i = 0; i < 2; i++) {
                    b.pairwiseKernel(new PairwiseKernel(5, dil[i], 1, CompatType.POTTS, false,
                            -net.parameters().get("pairwise_weights." + i).getFlat(0)));
                }
                Random r = new Random(5);
                try (CrfRefiner byHand = CrfRefiner.of(b.build(), CrfGeometry.scaled(CrfGeometry.VOC_SIDE), true)
                        .edgeScales(Double.parseDouble(md.get(CrfRefiner.SCALE_SPACE_KEY)),
                                Double.parseDouble(md.get(CrfRefiner.SCALE_COLOR_KEY)));
                     Tensor img = Tensor.ofDoubles(TestSupport.randn(r, 3 * 60 * 80, 0.3), 1, 3, 60, 80);
                     Tensor scores = Tensor.ofDoubles(TestSupport.randn(r, 3 * 60 * 80, 2), 1, 3, 60, 80);
                     Tensor want = byHand.refine(img, scores); Tensor got = loaded.refine(img, scores)) {
                    TestSupport.assertClose("former bundled CRF", TestSupport.doubles(want), got, 1e-5);
                }
            }
        }
    }
}
