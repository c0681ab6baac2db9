package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/** Bicubic upsampling: PyTorch's border rule by hand, constants, linear ramps. */
class BicubicTest {

    @Test
    void borderValueMatchesKeysKernelByHand() {
        // factor 2, output 0: source -0.25, taps clamped to (0, 0, 0, 1), t = 0.75:
        // weights far(1.75) + near(0.75) + near(0.25) = 1.10546875 on x0, far(1.25) = -0.10546875 on x1
        try (Tensor x = Tensor.of(new float[] {0, 1, 2, 3}, 1, 1, 1, 4); Bicubic b = new Bicubic(2);
             Tensor y = b.forward(x, null)) {
            assertArrayEquals(new long[] {1, 1, 2, 8}, y.shape());
            assertEquals(-0.10546875, y.toArray()[0], 1e-6);
        }
    }

    @Test
    void constantsStayConstantAndRampsFollowTheKernel() {
        int h = 6;
        int w = 7;
        float[] v = new float[2 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y * w + x] = 3.5f;
                v[h * w + y * w + x] = x; // a ramp along x, constant along y
            }
        }
        int f = 4;
        try (Tensor t = Tensor.of(v, 1, 2, h, w); Bicubic b = new Bicubic(f); Tensor o = b.forward(t, null)) {
            float[] out = o.toArray();
            int oh = h * f;
            int ow = w * f;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    assertEquals(3.5, out[y * ow + x], 1e-5, "constant at " + y + "," + x);
                }
                // output x 6: source 1.125, taps 0..3 with t = 1/8; a = -0.75 does not reproduce ramps:
                // 1 + (-far(9/8) + near(7/8) + 2 far(15/8)) = 1.166015625 by hand
                assertEquals(1.166015625, out[oh * ow + y * ow + 6], 1e-6, "ramp at row " + y);
                // mirror symmetry: the ramp's output at x and ow-1-x sum to w-1 in the interior
                assertEquals(w - 1, out[oh * ow + y * ow + 10] + out[oh * ow + y * ow + ow - 11], 1e-5);
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Bicubic(0));
        try (Tensor t = Tensor.allocate(4, 4); Bicubic b = new Bicubic(2)) {
            assertThrows(IllegalArgumentException.class, () -> b.forward(t, null));
        }
    }
}
