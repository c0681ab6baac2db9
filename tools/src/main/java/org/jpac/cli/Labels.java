package org.jpac.cli;

/** Label maps: argmax over class scores, the PASCAL VOC colour palette, mean IoU. */
final class Labels {

    private Labels() {
    }

    /** Per pixel, the index of the largest of {@code c} planar scores {@code [c, n]}. */
    static int[] argmax(float[] scores, int c, int n) {
        int[] out = new int[n];
        for (int p = 0; p < n; p++) {
            int best = 0;
            float bv = scores[p];
            for (int k = 1; k < c; k++) {
                float v = scores[k * n + p];
                if (v > bv) {
                    bv = v;
                    best = k;
                }
            }
            out[p] = best;
        }
        return out;
    }

    /**
     * The PASCAL VOC palette for {@code n} labels (0xRRGGBB): label bits spread
     * over the colour channels from the most significant bit down.
     */
    static int[] palette(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = i;
            for (int j = 0; j < 8; j++) {
                r |= ((c) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            p[i] = (r << 16) | (g << 8) | b;
        }
        return p;
    }

    /** Mean intersection over union of {@code pred} against {@code truth} over the classes present in either. */
    static double meanIoU(int[] pred, int[] truth, int classes) {
        long[] inter = new long[classes];
        long[] union = new long[classes];
        for (int i = 0; i < pred.length; i++) {
            int a = pred[i];
            int b = truth[i];
            if (a == b) {
                inter[a]++;
                union[a]++;
            } else {
                union[a]++;
                union[b]++;
            }
        }
        double sum = 0;
        int k = 0;
        for (int c = 0; c < classes; c++) {
            if (union[c] > 0) {
                sum += (double) inter[c] / union[c];
                k++;
            }
        }
        return k == 0 ? 1 : sum / k;
    }
}
