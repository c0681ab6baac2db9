package org.jpac.nn;

import java.util.List;
import java.util.Map;

/**
 * A direct double-precision transcription of the reference's PacCRF forward,
 * written independently of the library for the tests: arrays [B][C][H][W].
 */
final class CrfNaive {

    private CrfNaive() {
    }

    /** One pairwise term's parameters. */
    record Term(PairwiseKernel spec, double[][][][] messenger, double[][] compat, double pairwiseParam) {
    }

    static double[][][][] of(float[] a, int b, int c, int h, int w) {
        double[][][][] r = new double[b][c][h][w];
        int i = 0;
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        r[n][ch][y][x] = a[i++];
                    }
                }
            }
        }
        return r;
    }

    static double[] flat(double[][][][] a) {
        int b = a.length, c = a[0].length, h = a[0][0].length, w = a[0][0][0].length;
        double[] r = new double[b * c * h * w];
        int i = 0;
        for (double[][][] n : a) {
            for (double[][] ch : n) {
                for (double[] row : ch) {
                    for (double v : row) {
                        r[i++] = v;
                    }
                }
            }
        }
        return r;
    }

    static double[][][][] weight4(float[] a, long[] shape) {
        return of(a, (int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3]);
    }

    private static double at(double[][] plane, int y, int x) {
        return y < 0 || x < 0 || y >= plane.length || x >= plane[0].length ? 0 : plane[y][x];
    }

    /** K[b][i][j][y][x] = exp(-0.5 * sum_c (f(tap) - f(centre))^2), "same" padding. */
    static double[][][][][] gaussianKernel(double[][][][] f, int k, int d) {
        int b = f.length, c = f[0].length, h = f[0][0].length, w = f[0][0][0].length;
        int p = k / 2 * d;
        double[][][][][] K = new double[b][k][k][h][w];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            double e = 0;
                            for (int ch = 0; ch < c; ch++) {
                                double diff = at(f[n][ch], y - p + i * d, x - p + j * d) - f[n][ch][y][x];
                                e += diff * diff;
                            }
                            K[n][i][j][y][x] = Math.exp(-0.5 * e);
                        }
                    }
                }
            }
        }
        return K;
    }

    /** PAC (K non-null) or plain conv, "same" padding; shared: W[0][0] per channel. */
    static double[][][][] conv(double[][][][] v, double[][][][][] K, double[][][][] W, int k, int d) {
        int b = v.length, c = v[0].length, h = v[0][0].length, w = v[0][0][0].length;
        boolean shared = W.length == 1 && W[0].length == 1 && c > 1;
        int co = shared ? c : W.length;
        int p = k / 2 * d;
        double[][][][] out = new double[b][co][h][w];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < co; o++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double s = 0;
                        for (int ch = 0; ch < c; ch++) {
                            if (shared && ch != o) {
                                continue;
                            }
                            double[][] wt = shared ? W[0][0] : W[o][ch];
                            for (int i = 0; i < k; i++) {
                                for (int j = 0; j < k; j++) {
                                    double kk = K == null ? 1 : K[n][i][j][y][x];
                                    s += wt[i][j] * kk * at(v[n][ch], y - p + i * d, x - p + j * d);
                                }
                            }
                        }
                        out[n][o][y][x] = s;
                    }
                }
            }
        }
        return out;
    }

    static double[][][][] conv1x1(double[][][][] v, double[][] W) {
        int b = v.length, c = v[0].length, h = v[0][0].length, w = v[0][0][0].length;
        double[][][][] out = new double[b][W.length][h][w];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < W.length; o++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            out[n][o][y][x] += W[o][ch] * v[n][ch][y][x];
                        }
                    }
                }
            }
        }
        return out;
    }

    static int pad(int n, int b) {
        return ((b - n % b) % b + 1) / 2;
    }

    /** avg_pool2d(kernel b, stride b, padding (ph, pw), count_include_pad=False). */
    static double[][][][] avgPool(double[][][][] v, int bl) {
        int b = v.length, c = v[0].length, h = v[0][0].length, w = v[0][0][0].length;
        int ph = pad(h, bl), pw = pad(w, bl);
        int oh = (h + 2 * ph - bl) / bl + 1, ow = (w + 2 * pw - bl) / bl + 1;
        double[][][][] out = new double[b][c][oh][ow];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        double s = 0;
                        int cnt = 0;
                        for (int i = 0; i < bl; i++) {
                            for (int j = 0; j < bl; j++) {
                                int yy = y * bl - ph + i, xx = x * bl - pw + j;
                                if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                    s += v[n][ch][yy][xx];
                                    cnt++;
                                }
                            }
                        }
                        out[n][ch][y][x] = s / cnt;
                    }
                }
            }
        }
        return out;
    }

    /** interpolate(scale_factor=s, bilinear, align_corners=False), then crop to h x w at the pad offset. */
    static double[][][][] upCrop(double[][][][] v, int s, int h, int w) {
        int b = v.length, c = v[0].length, ih = v[0][0].length, iw = v[0][0][0].length;
        int ph = pad(h, s), pw = pad(w, s);
        double[][][][] out = new double[b][c][h][w];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    double sy = Math.max(0, (y + ph + 0.5) / s - 0.5);
                    int y0 = (int) Math.floor(sy), y1 = Math.min(y0 + 1, ih - 1);
                    double ly = sy - y0;
                    for (int x = 0; x < w; x++) {
                        double sx = Math.max(0, (x + pw + 0.5) / s - 0.5);
                        int x0 = (int) Math.floor(sx), x1 = Math.min(x0 + 1, iw - 1);
                        double lx = sx - x0;
                        double[][] p = v[n][ch];
                        out[n][ch][y][x] = (1 - ly) * ((1 - lx) * p[y0][x0] + lx * p[y0][x1])
                                + ly * ((1 - lx) * p[y1][x0] + lx * p[y1][x1]);
                    }
                }
            }
        }
        return out;
    }

    static double[][][][] softmax(double[][][][] v, boolean log) {
        int b = v.length, c = v[0].length, h = v[0][0].length, w = v[0][0][0].length;
        double[][][][] out = new double[b][c][h][w];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int ch = 0; ch < c; ch++) {
                        m = Math.max(m, v[n][ch][y][x]);
                    }
                    double s = 0;
                    for (int ch = 0; ch < c; ch++) {
                        s += Math.exp(v[n][ch][y][x] - m);
                    }
                    for (int ch = 0; ch < c; ch++) {
                        out[n][ch][y][x] = log ? v[n][ch][y][x] - m - Math.log(s) : Math.exp(v[n][ch][y][x] - m) / s;
                    }
                }
            }
        }
        return out;
    }

    /** The edge kernel of each term (null for na): on the edge features pooled by the term's blur. */
    static double[][][][][][] kernels(List<Term> terms, double[][][][] edge) {
        double[][][][][][] ks = new double[terms.size()][][][][][];
        for (int t = 0; t < terms.size(); t++) {
            PairwiseKernel s = terms.get(t).spec();
            if (s.compatType() == CompatType.NA) {
                continue;
            }
            double[][][][] f = s.blur() == 1 ? edge : avgPool(edge, s.blur());
            ks[t] = gaussianKernel(f, s.kernelSize(), s.dilation());
        }
        return ks;
    }

    /** Mean-field steps; per step its own terms and unary weight. */
    static double[][][][] meanField(double[][][][] unary, double[][][][][][] ks, List<List<Term>> stepTerms,
                                    double[] unaryWeights, boolean fixedWeighting) {
        int h = unary[0][0].length, w = unary[0][0][0].length;
        double[][][][] logQ = unary;
        for (int st = 0; st < stepTerms.size(); st++) {
            double[][][][] q = softmax(logQ, false);
            double[][][][] next = scale(unary, unaryWeights[st]);
            List<Term> terms = stepTerms.get(st);
            for (int t = 0; t < terms.size(); t++) {
                Term term = terms.get(t);
                PairwiseKernel s = term.spec();
                double[][][][] qb = s.blur() == 1 ? q : avgPool(q, s.blur());
                double[][][][] msg = conv(qb, ks[t], term.messenger(), s.kernelSize(), s.dilation());
                if (term.compat() != null) {
                    msg = conv1x1(msg, term.compat());
                }
                if (s.blur() > 1) {
                    msg = upCrop(msg, s.blur(), h, w);
                }
                boolean potts = s.compatType() == CompatType.POTTS;
                double pw = potts && !s.spatialFilter() && !fixedWeighting ? term.pairwiseParam()
                        : potts ? -s.pairwiseWeight() : s.pairwiseWeight();
                next = axpy(next, -pw, msg);
            }
            logQ = next;
        }
        return logQ;
    }

    static double[][][][] scale(double[][][][] v, double a) {
        return axpy(new double[v.length][v[0].length][v[0][0].length][v[0][0][0].length], a, v);
    }

    static double[][][][] axpy(double[][][][] y, double a, double[][][][] x) {
        int b = y.length, c = y[0].length, h = y[0][0].length, w = y[0][0][0].length;
        double[][][][] out = new double[b][c][h][w];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        out[n][ch][i][j] = y[n][ch][i][j] + a * x[n][ch][i][j];
                    }
                }
            }
        }
        return out;
    }

    /** The terms of a PacCRF state dict (keys without any "steps.s." prefix). */
    static List<Term> terms(List<PairwiseKernel> specs, Map<String, org.jpac.Tensor> state) {
        java.util.ArrayList<Term> r = new java.util.ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            org.jpac.Tensor m = state.get("messengers." + i + ".weight");
            org.jpac.Tensor c = state.get("compat." + i + ".weight");
            double[][] compat = null;
            if (c != null) {
                int l = (int) c.dim(0);
                compat = new double[l][l];
                for (int a = 0; a < l; a++) {
                    for (int b = 0; b < l; b++) {
                        compat[a][b] = c.get(a, b, 0, 0);
                    }
                }
            }
            r.add(new Term(specs.get(i), weight4(m.toArray(), m.shape()), compat,
                    state.get("pairwise_weights." + i).getFlat(0)));
        }
        return r;
    }

    /** The terms from parameter values in double (key to flat values), shapes from {@code shapes}. */
    static List<Term> termsFromDoubles(List<PairwiseKernel> specs, Map<String, double[]> v, Map<String, long[]> shapes,
                                       String prefix) {
        java.util.ArrayList<Term> r = new java.util.ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            String mk = prefix + "messengers." + i + ".weight";
            long[] ms = shapes.get(mk);
            double[] m = v.get(mk);
            double[][][][] mw = new double[(int) ms[0]][(int) ms[1]][(int) ms[2]][(int) ms[3]];
            int at = 0;
            for (double[][][] a : mw) {
                for (double[][] b : a) {
                    for (double[] c : b) {
                        for (int j = 0; j < c.length; j++) {
                            c[j] = m[at++];
                        }
                    }
                }
            }
            double[] c = v.get(prefix + "compat." + i + ".weight");
            double[][] compat = null;
            if (c != null) {
                int l = (int) Math.round(Math.sqrt(c.length));
                compat = new double[l][l];
                for (int a = 0; a < l; a++) {
                    for (int b = 0; b < l; b++) {
                        compat[a][b] = c[a * l + b];
                    }
                }
            }
            r.add(new Term(specs.get(i), mw, compat, v.get(prefix + "pairwise_weights." + i)[0]));
        }
        return r;
    }
}
