package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** The losses' values by hand and their gradients by central differences. */
class LossTest {

    private static Tensor random(Random r, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    /** Checks the gradient against central differences in double (perturbing one element at a time). */
    private static void checkGradient(Loss loss, Tensor p, Tensor t) {
        try (Loss.Value v = loss.evaluate(p, t, true)) {
            float[] g = v.grad().toArray();
            float[] base = p.toArray();
            for (int i = 0; i < base.length; i++) {
                float[] a = base.clone();
                float[] b = base.clone();
                double h = 1e-2;
                a[i] += (float) h;
                b[i] -= (float) h;
                double la;
                double lb;
                try (Tensor ta = Tensor.of(a, p.shape()); Tensor tb = Tensor.of(b, p.shape())) {
                    la = loss.value(ta, t);
                    lb = loss.value(tb, t);
                }
                double num = (la - lb) / (a[i] - b[i]);
                assertEquals(num, g[i], 2e-3 * Math.max(1, Math.abs(num)), loss.name() + " element " + i);
            }
        }
    }

    @Test
    void mseAndRmse() {
        try (Tensor p = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
             Tensor t = Tensor.of(new float[] {1, 0, 3, 8}, 1, 1, 2, 2)) {
            assertEquals((4 + 16) / 4.0, MseLoss.mse().value(p, t), 1e-12);
            assertEquals(Math.sqrt(5), MseLoss.rmse().value(p, t), 1e-12);
            try (Loss.Value v = MseLoss.mse().evaluate(p, t, true)) {
                assertEquals(2 * 2 / 4.0, v.grad().getFlat(1), 1e-7);
                assertEquals(2 * -4 / 4.0, v.grad().getFlat(3), 1e-7);
            }
        }
        Random r = new Random(1);
        try (Tensor p = random(r, 2, 1, 3, 3); Tensor t = random(r, 2, 1, 3, 3)) {
            checkGradient(MseLoss.mse(), p, t);
            checkGradient(MseLoss.rmse(), p, t);
        }
    }

    @Test
    void imageRmseIsTheMeanOfEachImagesRmse() {
        try (Tensor p = Tensor.of(new float[] {1, 2, 3, 4, 0, 0, 0, 0}, 2, 1, 2, 2);
             Tensor t = Tensor.of(new float[] {1, 0, 3, 8, 0, 0, 0, 40}, 2, 1, 2, 2)) {
            // image 0: sqrt((4 + 16) / 4); image 1: sqrt(1600 / 4), whose size does not scale image 0's gradient
            assertEquals((Math.sqrt(5) + 20) / 2, new ImageRmseLoss().value(p, t), 1e-12);
            try (Loss.Value v = new ImageRmseLoss().evaluate(p, t, true)) {
                assertEquals(2 / (2 * 4 * Math.sqrt(5)), v.grad().getFlat(1), 1e-7);
                assertEquals(-40 / (2 * 4 * 20.0), v.grad().getFlat(7), 1e-7);
            }
        }
        Random r = new Random(2);
        try (Tensor p = random(r, 3, 1, 3, 3); Tensor t = random(r, 3, 1, 3, 3)) {
            checkGradient(new ImageRmseLoss(), p, t);
        }
    }

    @Test
    void endPointError() {
        // two pixels: errors (3, 4) and (0, 0) -> mean 2.5
        try (Tensor p = Tensor.of(new float[] {3, 1, 4, 1}, 1, 2, 1, 2);
             Tensor t = Tensor.of(new float[] {0, 1, 0, 1}, 1, 2, 1, 2);
             Loss.Value v = new EndPointError().evaluate(p, t, true)) {
            assertEquals(2.5, v.loss(), 1e-12);
            assertEquals(3 / (2.0 * 5), v.grad().getFlat(0), 1e-7);
            assertEquals(0, v.grad().getFlat(1), 0);
        }
        Random r = new Random(2);
        try (Tensor p = random(r, 2, 2, 2, 3); Tensor t = random(r, 2, 2, 2, 3)) {
            checkGradient(new EndPointError(), p, t);
        }
    }

    @Test
    void crossEntropy() {
        // one pixel, logits (0, ln 3): softmax (1/4, 3/4); label 1 -> -ln(3/4)
        try (Tensor x = Tensor.of(new float[] {0, 5, (float) Math.log(3), 5}, 1, 2, 1, 2);
             Tensor y = Tensor.of(new float[] {1, 255}, 1, 1, 1, 2);
             Loss.Value v = new CrossEntropyLoss(255).evaluate(x, y, true)) {
            assertEquals(-Math.log(0.75), v.loss(), 1e-6);
            assertEquals(0.25, v.grad().getFlat(0), 1e-6);
            assertEquals(-0.25, v.grad().getFlat(2), 1e-6);
            assertEquals(0, v.grad().getFlat(1), 0); // ignored pixel
            assertEquals(0, v.grad().getFlat(3), 0);
        }
        Random r = new Random(3);
        float[] labels = new float[2 * 6];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(4);
        }
        try (Tensor x = random(r, 2, 4, 2, 3); Tensor y = Tensor.of(labels, 2, 1, 2, 3)) {
            checkGradient(new CrossEntropyLoss(), x, y);
        }
        try (Tensor x = random(r, 1, 2, 1, 1); Tensor y = Tensor.of(new float[] {2}, 1, 1, 1, 1)) {
            assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss().value(x, y));
        }
    }

    @Test
    void shapesMustMatch() {
        try (Tensor a = Tensor.allocate(1, 1, 2, 2); Tensor b = Tensor.allocate(1, 1, 2, 3)) {
            assertThrows(IllegalArgumentException.class, () -> MseLoss.mse().value(a, b));
        }
    }
}
