package org.jpac;

import org.jpac.golden.Conformance;
import org.jpac.golden.Reference;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stride-1 convolutions take the CPU's direct AVX2 path (channels-last row
 * bands in 8x8 transposed blocks, 6 pixels x 16 output channels per micro-tile);
 * these channel counts and widths cover its blocks and their remainders, which
 * the small random sweep does not reach.
 */
class WideChannelConvTest {

    @ParameterizedTest(name = "ci={0} co={1} k={2} d={3} p={4} {5}x{6}")
    @CsvSource({
        "8, 16, 3, 1, 1, 9, 17",
        "13, 17, 5, 1, 2, 11, 23",
        "16, 40, 3, 2, 2, 7, 30",
        "33, 1, 5, 1, 0, 12, 13",
        "9, 33, 7, 2, 5, 16, 19",
        "24, 8, 1, 1, 0, 5, 41",
    })
    void forwardMatchesReference(int ci, int co, int k, int d, int p, int h, int w) {
        Random r = new Random(ci * 1000L + co * 10L + k);
        PacOptions o = PacOptions.builder(k).padding(p).dilation(d).build();
        long ho = o.outHeight(h);
        long wo = o.outWidth(w);
        int taps = k * k;
        double[] v = TestSupport.toFloatPrecision(TestSupport.randn(r, ci * h * w, 1));
        double[] kern = new double[(int) (taps * ho * wo)];
        for (int i = 0; i < kern.length; i++) {
            kern[i] = (float) r.nextDouble();
        }
        double[] wt = TestSupport.toFloatPrecision(TestSupport.randn(r, co * ci * taps, 0.5));
        double[] bias = TestSupport.toFloatPrecision(TestSupport.randn(r, co, 1));
        double[] want = Reference.conv(v, 1, ci, h, w, kern, wt, co, bias, o, false);
        try (Tensor tv = Tensor.ofDoubles(v, 1, ci, h, w);
             Tensor tk = Tensor.ofDoubles(kern, 1, 1, k, k, ho, wo);
             Tensor tw = Tensor.ofDoubles(wt, co, ci, k, k);
             Tensor tb = Tensor.ofDoubles(bias, co);
             Tensor out = Pac.conv2d(tv, tk, tw, tb, o)) {
            TestSupport.assertClose("output", want, out, Conformance.FWD_RTOL);
        }
    }
}
