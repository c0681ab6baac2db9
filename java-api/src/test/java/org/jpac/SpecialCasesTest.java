package org.jpac;

import static org.jpac.TestSupport.assertClose;
import static org.jpac.TestSupport.doubles;
import static org.jpac.TestSupport.randn;

import java.util.Random;

import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.StdConvGrads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cases where PAC reduces to a classic operation. */
class SpecialCasesTest {

    /**
     * With constant guidance K == 1 inside the image, so PAC is exactly a standard
     * convolution (as long as each window's centre is inside the image, i.e.
     * padding <= d(k-1)/2; outside, the centre feature is the zero padding).
     */
    @ParameterizedTest(name = "k={0} s={1} p={2} d={3}")
    @CsvSource({"3,1,1,1", "5,2,2,1", "3,2,2,2", "1,1,0,1", "5,1,0,1", "3,3,2,2"})
    void constantGuidanceIsStandardConvolution(int k, int s, int p, int d) {
        Random r = new Random(k * 31 + s * 7 + p + d);
        PacOptions o = PacOptions.builder(k).stride(s).padding(p).dilation(d).build();
        int b = 2, ci = 3, co = 4, h = 11, w = 9;
        double[] guide = new double[b * 2 * h * w];
        java.util.Arrays.fill(guide, 0.75);
        try (Tensor in = Tensor.ofDoubles(randn(r, b * ci * h * w, 1), b, ci, h, w);
             Tensor g = Tensor.ofDoubles(guide, b, 2, h, w);
             Tensor wt = Tensor.ofDoubles(randn(r, co * ci * k * k, 0.3), co, ci, k, k);
             Tensor bias = Tensor.ofDoubles(randn(r, co, 1), co);
             Tensor pac = Pac.conv2dGuided(in, g, null, null, null, wt, bias, o);
             Tensor std = Pac.stdConv2d(in, wt, bias, o)) {
            assertClose("pac vs std", doubles(std), pac, 1e-5);
        }
    }

    /** Backward agrees too: the input and weight gradients of the two match. */
    @Test
    void constantGuidanceGradientsMatchStandardConvolution() {
        Random r = new Random(5);
        PacOptions o = PacOptions.builder(3).stride(2).padding(1).build();
        int b = 1, ci = 2, co = 3, h = 8, w = 8;
        double[] guide = new double[b * h * w];
        java.util.Arrays.fill(guide, -1.5);
        try (Tensor in = Tensor.ofDoubles(randn(r, b * ci * h * w, 1), b, ci, h, w);
             Tensor g = Tensor.ofDoubles(guide, b, 1, h, w);
             Tensor wt = Tensor.ofDoubles(randn(r, co * ci * 9, 0.3), co, ci, 3, 3);
             Tensor go = Tensor.ofDoubles(randn(r, b * co * 4 * 4, 1), b, co, 4, 4);
             GuidedConvGrads pg = Pac.conv2dGuidedBackward(in, g, null, null, null, wt, go, o);
             StdConvGrads sg = Pac.stdConv2dBackward(in, wt, go, o)) {
            assertClose("gradInput", doubles(sg.gradInput()), pg.gradInput(), 1e-5);
            assertClose("gradWeight", doubles(sg.gradWeight()), pg.gradWeight(), 1e-5);
            assertClose("gradBias", doubles(sg.gradBias()), pg.gradBias(), 1e-5);
            assertClose("gradGuide", new double[b * h * w], pg.gradGuide(), 1e-5);
        }
    }

    private static double[] image(Random r, int c, int h, int w) {
        // smooth colour ramps plus noise: a guide with real edges and flat parts
        double[] a = new double[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    a[(ch * h + y) * w + x] = (x > w / 2 ? 0.8 : 0.1) + 0.05 * ch * y + 0.05 * r.nextGaussian();
                }
            }
        }
        return TestSupport.toFloatPrecision(a);
    }

    /**
     * A shared spatial-Gaussian weight with colour guidance is the (unnormalised)
     * bilateral filter: sum of G_s(offset) * G_r(colour difference) * I over the window.
     */
    @Test
    void gaussianSpatialWeightWithColourGuidanceIsBilateral() {
        int c = 3, h = 12, w = 14, k = 5, rad = k / 2;
        double sigmaS = 1.5, sigmaR = 0.2;
        double[] img = image(new Random(11), c, h, w);
        double[] spatial = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                spatial[i * k + j] = (float) Math.exp(-((i - rad) * (i - rad) + (j - rad) * (j - rad))
                        / (2 * sigmaS * sigmaS));
            }
        }
        double[] guide = new double[img.length];
        for (int i = 0; i < img.length; i++) {
            guide[i] = (float) (img[i] / sigmaR);
        }
        double[] want = new double[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int i = -rad; i <= rad; i++) {
                    for (int j = -rad; j <= rad; j++) {
                        int yy = y + i, xx = x + j;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                            continue;
                        }
                        double d2 = 0;
                        for (int ch = 0; ch < c; ch++) {
                            double d = guide[(ch * h + yy) * w + xx] - guide[(ch * h + y) * w + x];
                            d2 += d * d;
                        }
                        double wgt = spatial[(i + rad) * k + j + rad] * Math.exp(-d2 / 2);
                        for (int ch = 0; ch < c; ch++) {
                            want[(ch * h + y) * w + x] += wgt * img[(ch * h + yy) * w + xx];
                        }
                    }
                }
            }
        }
        PacOptions o = PacOptions.builder(k).padding(rad).sharedFilters(true).build();
        try (Tensor in = Tensor.ofDoubles(img, 1, c, h, w);
             Tensor g = Tensor.ofDoubles(guide, 1, c, h, w);
             Tensor wt = Tensor.ofDoubles(spatial, 1, 1, k, k);
             Tensor out = Pac.conv2dGuided(in, g, null, null, null, wt, null, o)) {
            assertClose("bilateral", want, out, 1e-5);
        }
    }

    /**
     * The joint bilateral filter of the reference's JointBilateral: guide
     * [colour/sigma_r, y/sigma_s, x/sigma_s] with a normalised kernel gives the
     * classic normalised bilateral filter (weights over in-image taps sum to 1).
     */
    @Test
    void normalizedKernelWithColourAndPositionGuideIsNormalizedBilateral() {
        int c = 3, h = 10, w = 11, k = 7, rad = k / 2;
        double sigmaS = 2, sigmaR = 0.25;
        double[] img = image(new Random(12), c, h, w);
        double[] guide = new double[(c + 2) * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    guide[(ch * h + y) * w + x] = (float) (img[(ch * h + y) * w + x] / sigmaR);
                }
                guide[(c * h + y) * w + x] = (float) (y / sigmaS);
                guide[((c + 1) * h + y) * w + x] = (float) (x / sigmaS);
            }
        }
        double[] want = new double[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double norm = 0;
                double[] acc = new double[c];
                for (int yy = Math.max(0, y - rad); yy <= Math.min(h - 1, y + rad); yy++) {
                    for (int xx = Math.max(0, x - rad); xx <= Math.min(w - 1, x + rad); xx++) {
                        double d2 = 0;
                        for (int ch = 0; ch < c + 2; ch++) {
                            double d = guide[(ch * h + yy) * w + xx] - guide[(ch * h + y) * w + x];
                            d2 += d * d;
                        }
                        double wgt = Math.exp(-d2 / 2);
                        norm += wgt;
                        for (int ch = 0; ch < c; ch++) {
                            acc[ch] += wgt * img[(ch * h + yy) * w + xx];
                        }
                    }
                }
                for (int ch = 0; ch < c; ch++) {
                    want[(ch * h + y) * w + x] = acc[ch] / norm;
                }
            }
        }
        PacOptions o = PacOptions.builder(k).padding(rad).normalizeKernel(true).build();
        try (Tensor in = Tensor.ofDoubles(img, 1, c, h, w);
             Tensor g = Tensor.ofDoubles(guide, 1, c + 2, h, w);
             Tensor out = Pac.pool2dGuided(in, g, null, null, null, o)) {
            assertClose("normalised bilateral", want, out, 1e-5);
        }
    }

    /** A normalised kernel of a constant guide is average pooling that excludes the padding. */
    @ParameterizedTest(name = "k={0} s={1} p={2} d={3}")
    @CsvSource({"3,1,1,1", "3,2,1,1", "5,2,2,1", "5,3,4,2", "1,1,0,1"})
    void normalizedConstantGuideIsAveragePoolingWithoutPadding(int k, int s, int p, int d) {
        Random r = new Random(k + s + p + d);
        int b = 2, c = 3, h = 9, w = 10;
        PacOptions o = PacOptions.builder(k).stride(s).padding(p).dilation(d).normalizeKernel(true).build();
        int ho = (int) o.outHeight(h), wo = (int) o.outWidth(w);
        double[] v = TestSupport.toFloatPrecision(randn(r, b * c * h * w, 1));
        double[] want = new double[b * c * ho * wo];
        for (int n = 0; n < b * c; n++) {
            for (int y = 0; y < ho; y++) {
                for (int x = 0; x < wo; x++) {
                    double sum = 0;
                    int count = 0;
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int yy = y * s - p + i * d, xx = x * s - p + j * d;
                            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                sum += v[(n * h + yy) * w + xx];
                                count++;
                            }
                        }
                    }
                    want[(n * ho + y) * wo + x] = sum / count;
                }
            }
        }
        double[] guide = new double[b * h * w];
        java.util.Arrays.fill(guide, 2.0);
        try (Tensor in = Tensor.ofDoubles(v, b, c, h, w);
             Tensor g = Tensor.ofDoubles(guide, b, 1, h, w);
             Tensor out = Pac.pool2dGuided(in, g, null, null, null, o);
             Kernel2dResult kr = Pac.kernel2d(g, o);
             Tensor out2 = Pac.pool2d(in, kr.kernel(), o)) {
            assertClose("average pool (guided)", want, out, 1e-5);
            assertClose("average pool (kernel2d + pool2d)", want, out2, 1e-5);
        }
    }
}
