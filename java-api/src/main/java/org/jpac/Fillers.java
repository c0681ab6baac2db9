package org.jpac;

import java.util.SplittableRandom;

/** Weight initialisers for the layers (the reference's reset_parameters). */
final class Fillers {

    private Fillers() {
    }

    /** PyTorch-style uniform init of weight and bias. */
    static void uniform(Tensor weight, Tensor bias, int inChannels, int kh, int kw, boolean shared,
                        SplittableRandom rng) {
        double stdv = 1.0 / Math.sqrt((double) inChannels * kh * kw);
        if (shared) {
            stdv *= inChannels;
        }
        fillUniform(weight, stdv, rng);
        if (bias != null) {
            fillUniform(bias, stdv, rng);
        }
    }

    private static void fillUniform(Tensor t, double bound, SplittableRandom rng) {
        for (long i = 0; i < t.numel(); i++) {
            t.setFlat(i, (float) (-bound + 2 * bound * rng.nextDouble()));
        }
    }

    /** 1-D bilinear weights for stride s in a window of k taps (zero outside the 2s-1 core). */
    static double[] linear1d(int k, int s, boolean normalize) {
        int ek = 2 * s - 1;
        if (k < ek) {
            throw new IllegalArgumentException("kernelSize: " + k + " is smaller than 2*stride-1 = " + ek
                    + " needed by the linear filler");
        }
        int pad = (k - ek) / 2;
        double[] w = new double[k];
        for (int j = 0; j < ek; j++) {
            w[pad + j] = (j < s ? j + 1 : 2 * s - 1 - j) / (double) s;
        }
        if (normalize) {
            // undo the kernel normalisation's division by the number of real input taps
            for (int j = 0; j < k; j++) {
                w[j] *= (k - j - 1) / s + j / s + 1.0;
            }
        }
        return w;
    }

    /** Bilinear upsampling: weight[c, c] = outer(linear_h, linear_w) for every channel (or [0,0] shared). */
    static void linear(Tensor weight, Tensor bias, PacOptions o, int channels) {
        double[] wh = linear1d(o.kernelH(), o.strideH(), o.normalizeKernel());
        double[] ww = linear1d(o.kernelW(), o.strideW(), o.normalizeKernel());
        weight.fill(0);
        int n = o.sharedFilters() ? 1 : channels;
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < wh.length; i++) {
                for (int j = 0; j < ww.length; j++) {
                    weight.set((float) (wh[i] * ww[j]), c, c, i, j);
                }
            }
        }
        if (bias != null) {
            bias.fill(0);
        }
    }

    /** Truncated 2-D Gaussian with sigma = width/4, normalised to sum 1 (the reference's np_gaussian_2d). */
    static double[][] gaussian2d(int width) {
        double sigma = width / 4.0;
        double[] g = new double[width];
        for (int i = 0; i < width; i++) {
            double r = i - width / 2;
            g[i] = Math.exp(-0.5 * r * r / (sigma * sigma));
        }
        double sum = 0;
        double[][] w = new double[width][width];
        for (int i = 0; i < width; i++) {
            for (int j = 0; j < width; j++) {
                w[i][j] = g[i] * g[j];
                sum += w[i][j];
            }
        }
        for (double[] row : w) {
            for (int j = 0; j < width; j++) {
                row[j] /= sum;
            }
        }
        return w;
    }

    /** DenseCRF init: Gaussian * k^2 with zero centre; times (1 - I) between classes unless shared. */
    static void crf(Tensor weight, Tensor bias, PacOptions o, int channels, boolean perturbed, SplittableRandom rng) {
        int k = o.kernelH();
        if (o.kernelW() != k) {
            throw new IllegalArgumentException("kernelSize: the crf filler needs a square kernel, got "
                    + o.kernelH() + "x" + o.kernelW());
        }
        double[][] g = gaussian2d(k);
        for (double[] row : g) {
            for (int j = 0; j < k; j++) {
                row[j] *= (double) k * k;
            }
        }
        g[k / 2][k / 2] = 0;
        int n = o.sharedFilters() ? 1 : channels;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double compat = o.sharedFilters() ? 1 : (a == b ? 0 : 1);
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        weight.set((float) (compat * g[i][j]), a, b, i, j);
                    }
                }
            }
        }
        if (perturbed) {
            for (long i = 0; i < weight.numel(); i++) {
                weight.setFlat(i, weight.getFlat(i) + (float) ((rng.nextDouble() - 0.5) * 0.001));
            }
        }
        if (bias != null) {
            bias.fill(0);
        }
    }

    /** All ones (pool) or ones with a zero centre (crf_pool). */
    static void pool(Tensor weight, boolean zeroCentre, PacOptions o) {
        weight.fill(1);
        if (zeroCentre) {
            weight.set(0, 0, 0, o.kernelH() / 2, o.kernelW() / 2);
        }
    }
}
