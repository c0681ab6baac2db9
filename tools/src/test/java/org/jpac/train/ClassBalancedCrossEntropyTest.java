package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** Cross-entropy in which each present class weighs the same: value and gradient. */
class ClassBalancedCrossEntropyTest {

    @Test
    void eachPresentClassWeighsTheSame() {
        // three pixels of class 0 with loss a, one of class 1 with loss b: (a + b) / 2, not (3a + b) / 4
        float l3 = (float) Math.log(3);
        try (Tensor x = Tensor.of(new float[] {l3, l3, l3, 0, 0, 0, 0, l3}, 1, 2, 1, 4);
             Tensor y = Tensor.of(new float[] {0, 0, 0, 1}, 1, 1, 1, 4);
             Loss.Value v = new ClassBalancedCrossEntropy().evaluate(x, y, true)) {
            assertEquals(-Math.log(0.75), v.loss(), 1e-6);
            assertEquals(-0.25 / 6, v.grad().getFlat(0), 1e-6); // (softmax - 1) / (2 classes * 3 pixels)
            assertEquals(-0.25 / 2, v.grad().getFlat(7), 1e-6);
        }
    }

    @Test
    void gradientMatchesCentralDifferences() {
        Random r = new Random(5);
        float[] x = new float[2 * 3 * 12];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] labels = new float[2 * 12];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 5 == 0 ? 2 : r.nextInt(2);
        }
        ClassBalancedCrossEntropy loss = new ClassBalancedCrossEntropy();
        try (Tensor t = Tensor.of(x, 2, 3, 3, 4); Tensor y = Tensor.of(labels, 2, 1, 3, 4);
             Loss.Value v = loss.evaluate(t, y, true)) {
            float[] g = v.grad().toArray();
            for (int i = 0; i < x.length; i++) {
                float[] a = x.clone();
                float[] b = x.clone();
                a[i] += 1e-2f;
                b[i] -= 1e-2f;
                try (Tensor ta = Tensor.of(a, 2, 3, 3, 4); Tensor tb = Tensor.of(b, 2, 3, 3, 4)) {
                    double num = (loss.value(ta, y) - loss.value(tb, y)) / 2e-2;
                    assertEquals(num, g[i], 1e-4, "element " + i);
                }
            }
        }
        try (Tensor t = Tensor.allocate(1, 2, 1, 1); Tensor y = Tensor.of(new float[] {2}, 1, 1, 1, 1)) {
            assertThrows(IllegalArgumentException.class, () -> loss.value(t, y));
        }
    }
}
