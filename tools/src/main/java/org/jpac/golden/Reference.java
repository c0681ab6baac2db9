package org.jpac.golden;

import org.jpac.PacOptions;

/**
 * A direct, slow, double-precision transcription of SPEC.md, independent of
 * the native code: the reference the native results and gradients are checked
 * against. Arrays are row-major with the shapes given in each method.
 */
public final class Reference {

    private Reference() {
    }

    /** Geometry of one call (per dimension h/w). */
    public record Geo(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oph, int opw) {
        static Geo of(PacOptions o) {
            return new Geo(o.kernelH(), o.kernelW(), o.strideH(), o.strideW(), o.padH(), o.padW(),
                    o.dilationH(), o.dilationW(), o.outputPaddingH(), o.outputPaddingW());
        }
    }

    /**
     * The element at row {@code y}, column {@code x} of the {@code h x w} plane starting at {@code idxBase}, or 0
     * outside it (zero padding).
     *
     * @param a the array
     * @param h the plane's height
     * @param w the plane's width
     * @param idxBase the index of the plane's first element
     * @param y the row
     * @param x the column
     * @return the element, or 0
     */
    public static double at(double[] a, int h, int w, int idxBase, int y, int x) {
        if (y < 0 || y >= h || x < 0 || x >= w) {
            return 0;
        }
        return a[idxBase + y * w + x];
    }

    /**
     * kernel2d. guide [b,c,h,w]; alpha/lambda length 1 or c (null for gaussian);
     * smooth m*m (null for none); mask [b,1,mh,mw] or null. Returns {K, outMask or null}.
     */
    public static double[][] kernel2d(double[] f, int b, int c, int h, int w, PacOptions o, double[] alpha,
                               double[] lambda, double[] smooth, int m, double[] mask) {
        Geo g = Geo.of(o);
        int sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
        int ho, wo;
        int hin = h, win = w;
        if (o.transposed()) {
            ho = h;
            wo = w;
            hin = (int) o.transposedInHeight(h);
            win = (int) o.transposedInWidth(w);
            sh = 1;
            sw = 1;
            ph = g.dh * (g.kh - 1) / 2;
            pw = g.dw * (g.kw - 1) / 2;
        } else {
            ho = (int) o.outHeight(h);
            wo = (int) o.outWidth(w);
        }
        boolean cw = o.channelWise();
        int kc = cw ? c : 1;
        int taps = g.kh * g.kw;
        double[] k = new double[b * kc * taps * ho * wo];
        boolean inv = o.kernelType().isInv();
        boolean asym = o.kernelType().asymmetric();
        double[] f0 = new double[c];
        double[] e = new double[kc];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < ho; y++) {
                for (int x = 0; x < wo; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        int base = (n * c + ch) * h * w;
                        if (smooth == null) {
                            f0[ch] = at(f, h, w, base, y * sh - ph + (g.kh / 2) * g.dh, x * sw - pw + (g.kw / 2) * g.dw);
                        } else {
                            double s = 0;
                            for (int u = 0; u < m; u++) {
                                for (int v = 0; v < m; v++) {
                                    s += smooth[u * m + v] * at(f, h, w, base, y * sh - ph + (g.kh - m) / 2 + u,
                                            x * sw - pw + (g.kw - m) / 2 + v);
                                }
                            }
                            f0[ch] = s;
                        }
                    }
                    for (int i = 0; i < g.kh; i++) {
                        for (int j = 0; j < g.kw; j++) {
                            java.util.Arrays.fill(e, 0);
                            for (int ch = 0; ch < c; ch++) {
                                double v = at(f, h, w, (n * c + ch) * h * w, y * sh - ph + i * g.dh,
                                        x * sw - pw + j * g.dw);
                                double dd = v - f0[ch];
                                if (asym) {
                                    dd = Math.max(dd, 0);
                                }
                                e[cw ? ch : 0] += dd * dd;
                            }
                            for (int q = 0; q < kc; q++) {
                                double val;
                                if (inv) {
                                    double a = alpha[alpha.length == 1 ? 0 : q];
                                    double l = lambda[lambda.length == 1 ? 0 : q];
                                    val = a + Math.pow(e[q] + 1e-4, l / 2);
                                } else {
                                    val = Math.exp(-e[q] / 2);
                                }
                                k[(((n * kc + q) * taps + i * g.kw + j) * ho + y) * wo + x] = val;
                            }
                        }
                    }
                }
            }
        }
        boolean hasMask = mask != null;
        if (!hasMask && !o.normalizeKernel()) {
            return new double[][] {k, null};
        }
        double[] outMask = hasMask ? new double[b * ho * wo] : null;
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < ho; y++) {
                for (int x = 0; x < wo; x++) {
                    double sumP = 0;
                    double sumM = 0;
                    double[] mv = new double[taps];
                    for (int i = 0; i < g.kh; i++) {
                        for (int j = 0; j < g.kw; j++) {
                            int[] src = o.transposed() ? transposedSource(g, hin, win, y + i * g.dh, x + j * g.dw)
                                    : inside(h, w, y * sh - ph + i * g.dh, x * sw - pw + j * g.dw);
                            double p = src == null ? 0 : 1;
                            double mm = !hasMask ? p : src == null ? 0
                                    : mask[(n * (o.transposed() ? hin * win : h * w)) + src[0] * (o.transposed() ? win : w) + src[1]];
                            mv[i * g.kw + j] = mm;
                            sumP += p;
                            sumM += mm;
                        }
                    }
                    for (int q = 0; q < kc; q++) {
                        double norm = 0;
                        for (int t = 0; t < taps; t++) {
                            int idx = (((n * kc + q) * taps + t) * ho + y) * wo + x;
                            k[idx] *= mv[t];
                            norm += k[idx];
                        }
                        if (!o.normalizeKernel()) {
                            norm = sumM / sumP;
                        }
                        double div = norm + (norm == 0 ? 1 : 0);
                        for (int t = 0; t < taps; t++) {
                            k[(((n * kc + q) * taps + t) * ho + y) * wo + x] /= div;
                        }
                        if (hasMask && q == 0) {
                            outMask[(n * ho + y) * wo + x] = norm == 0 ? 0 : 1;
                        }
                    }
                }
            }
        }
        return new double[][] {k, outMask};
    }

    private static int[] inside(int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? null : new int[] {y, x};
    }

    /** In the zero-inserted, padded input of a transposed conv: the real sample at (Y, X), or null. */
    public static int[] transposedSource(Geo g, int hin, int win, int yy, int xx) {
        int qh = g.dh * (g.kh - 1) - g.ph;
        int qw = g.dw * (g.kw - 1) - g.pw;
        int ry = yy - qh;
        int rx = xx - qw;
        if (ry < 0 || rx < 0 || ry % g.sh != 0 || rx % g.sw != 0) {
            return null;
        }
        ry /= g.sh;
        rx /= g.sw;
        return ry < hin && rx < win ? new int[] {ry, rx} : null;
    }

    /** conv2d / conv_transpose2d with a given K [b,1,kh,kw,ho,wo]; weight per SPEC; bias may be null. */
    public static double[] conv(double[] v, int b, int ci, int h, int w, double[] k, double[] weight, int co,
                         double[] bias, PacOptions o, boolean transposed) {
        Geo g = Geo.of(o);
        int ho = (int) (transposed ? o.transposedOutHeight(h) : o.outHeight(h));
        int wo = (int) (transposed ? o.transposedOutWidth(w) : o.outWidth(w));
        boolean shared = o.sharedFilters();
        int taps = g.kh * g.kw;
        double[] out = new double[b * co * ho * wo];
        for (int n = 0; n < b; n++) {
            for (int oc = 0; oc < co; oc++) {
                for (int y = 0; y < ho; y++) {
                    for (int x = 0; x < wo; x++) {
                        double s = bias == null ? 0 : bias[oc];
                        for (int c = 0; c < ci; c++) {
                            if (shared && c != oc) {
                                continue;
                            }
                            for (int i = 0; i < g.kh; i++) {
                                for (int j = 0; j < g.kw; j++) {
                                    double vin;
                                    if (transposed) {
                                        int[] src = transposedSource(g, h, w, y + i * g.dh, x + j * g.dw);
                                        vin = src == null ? 0 : v[((n * ci + c) * h + src[0]) * w + src[1]];
                                    } else {
                                        vin = at(v, h, w, (n * ci + c) * h * w, y * g.sh - g.ph + i * g.dh,
                                                x * g.sw - g.pw + j * g.dw);
                                    }
                                    double wt = shared ? weight[i * g.kw + j]
                                            : transposed ? weight[((c * co + oc) * g.kh + i) * g.kw + j]
                                            : weight[((oc * ci + c) * g.kh + i) * g.kw + j];
                                    s += wt * k[((n * taps + i * g.kw + j) * ho + y) * wo + x] * vin;
                                }
                            }
                        }
                        out[((n * co + oc) * ho + y) * wo + x] = s;
                    }
                }
            }
        }
        return out;
    }

    /** pool2d with K [b, kc (1 or c), kh, kw, ho, wo]. */
    public static double[] pool(double[] v, int b, int c, int h, int w, double[] k, int kc, PacOptions o) {
        Geo g = Geo.of(o);
        int ho = (int) o.outHeight(h);
        int wo = (int) o.outWidth(w);
        int taps = g.kh * g.kw;
        double[] out = new double[b * c * ho * wo];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                int q = kc == 1 ? 0 : ch;
                for (int y = 0; y < ho; y++) {
                    for (int x = 0; x < wo; x++) {
                        double s = 0;
                        for (int i = 0; i < g.kh; i++) {
                            for (int j = 0; j < g.kw; j++) {
                                s += k[(((n * kc + q) * taps + i * g.kw + j) * ho + y) * wo + x]
                                        * at(v, h, w, (n * c + ch) * h * w, y * g.sh - g.ph + i * g.dh,
                                        x * g.sw - g.pw + j * g.dw);
                            }
                        }
                        out[((n * c + ch) * ho + y) * wo + x] = s;
                    }
                }
            }
        }
        return out;
    }

    /** A function of one input array, for finite differences. */
    /** A function of one array (for finite differences). */
    public interface Fn {
        /**
         * Applies the function.
         *
         * @param x the argument
         * @return the result
         */
        double[] apply(double[] x);
    }

    /** d/dx of sum(gradOut * fn(x)) by central differences in double. */
    public static double[] numericGrad(Fn fn, double[] x, double[] gradOut, double step) {
        double[] gx = new double[x.length];
        double[] xp = x.clone();
        for (int i = 0; i < x.length; i++) {
            double keep = xp[i];
            xp[i] = keep + step;
            double lp = dot(fn.apply(xp), gradOut);
            xp[i] = keep - step;
            double lm = dot(fn.apply(xp), gradOut);
            xp[i] = keep;
            gx[i] = (lp - lm) / (2 * step);
        }
        return gx;
    }

    /**
     * The dot product of two arrays of the same length.
     *
     * @param a the first array
     * @param b the second array
     * @return the sum of {@code a[i] * b[i]}
     */
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
