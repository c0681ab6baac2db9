package org.jpac;

import static org.jpac.TestSupport.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.jpac.grad.GuidedConvGrads;
import org.junit.jupiter.api.Test;

/** The Guide forms of the guided ops compute exactly what the positional forms do. */
class GuideTest {

    @Test
    void guideFormsMatchThePositionalForms() {
        Random r = new Random(9);
        PacOptions inv = PacOptions.builder(3).padding(1).kernelType("inv_0.5_0.8").build();
        PacOptions t = PacOptions.builder(3).stride(2).padding(1).outputPadding(1).build();
        try (Tensor in = TestSupport.tensor(randn(r, 4 * 10 * 12, 1), 1, 4, 10, 12);
             Tensor g = TestSupport.tensor(randn(r, 2 * 10 * 12, 1), 1, 2, 10, 12);
             Tensor gUp = TestSupport.tensor(randn(r, 2 * 20 * 24, 1), 1, 2, 20, 24);
             Tensor w = TestSupport.tensor(randn(r, 3 * 4 * 9, 0.2), 3, 4, 3, 3);
             Tensor wt = TestSupport.tensor(randn(r, 4 * 3 * 9, 0.2), 4, 3, 3, 3);
             Tensor a = Tensor.of(new float[] {0.3f}, 1); Tensor l = Tensor.of(new float[] {0.9f}, 1);
             Tensor c1 = Pac.conv2dGuided(in, g, a, l, null, w, null, inv);
             Tensor c2 = Pac.conv2dGuided(in, Guide.of(g).withInvParams(a, l), w, null, inv);
             Tensor t1 = Pac.convTranspose2dGuided(in, gUp, null, null, null, wt, null, t);
             Tensor t2 = Pac.convTranspose2dGuided(in, gUp, wt, null, t);
             Tensor p1 = Pac.pool2dGuided(in, g, null, null, null, inv);
             Tensor p2 = Pac.pool2dGuided(in, g, inv);
             GuidedConvGrads b1 = Pac.conv2dGuidedBackward(in, g, a, l, null, w, c1, inv, Grad.all());
             GuidedConvGrads b2 = Pac.conv2dGuidedBackward(in, Guide.of(g).withInvParams(a, l), w, c1, inv,
                     Grad.all())) {
            assertArrayEquals(c1.toArray(), c2.toArray());
            assertArrayEquals(t1.toArray(), t2.toArray());
            assertArrayEquals(p1.toArray(), p2.toArray());
            assertArrayEquals(b1.gradGuide().toArray(), b2.gradGuide().toArray());
            assertArrayEquals(b1.gradInvAlpha().toArray(), b2.gradInvAlpha().toArray());
        }
        assertThrows(NullPointerException.class, () -> Guide.of(null));
    }
}
