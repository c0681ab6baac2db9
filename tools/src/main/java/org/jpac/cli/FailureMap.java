package org.jpac.cli;

/**
 * Where an upsampled depth map errs most: the {@code size x size} window with
 * the largest RMSE against the truth (found with a summed-area table of the
 * squared error), for the demo's failure picture.
 *
 * @param y top row of the window
 * @param x left column of the window
 * @param size the window's side in pixels
 * @param rmse the RMSE inside the window
 */
record FailureMap(int y, int x, int size, double rmse) {

    /** The worst window of side {@code size} (at most the image's smaller side) in {@code h x w} maps. */
    static FailureMap worst(float[] estimate, float[] truth, int h, int w, int size) {
        if (estimate.length != (long) h * w || truth.length != estimate.length) {
            throw new IllegalArgumentException("estimate/truth: expected " + h + "x" + w + " values each");
        }
        int s = Math.max(1, Math.min(size, Math.min(h, w)));
        double[] sat = new double[(h + 1) * (w + 1)];
        for (int y = 0; y < h; y++) {
            double row = 0;
            for (int x = 0; x < w; x++) {
                double d = estimate[y * w + x] - truth[y * w + x];
                row += d * d;
                sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
            }
        }
        int by = 0;
        int bx = 0;
        double best = -1;
        for (int y = 0; y + s <= h; y++) {
            for (int x = 0; x + s <= w; x++) {
                double sum = sat[(y + s) * (w + 1) + x + s] - sat[y * (w + 1) + x + s] - sat[(y + s) * (w + 1) + x]
                        + sat[y * (w + 1) + x];
                if (sum > best) {
                    best = sum;
                    by = y;
                    bx = x;
                }
            }
        }
        return new FailureMap(by, bx, s, Math.sqrt(Math.max(0, best) / ((double) s * s)));
    }

    /** Whether pixel (py, px) lies on the window's 2-pixel border. */
    boolean onBorder(int py, int px) {
        boolean inside = py >= y - 2 && py < y + size + 2 && px >= x - 2 && px < x + size + 2;
        boolean core = py >= y && py < y + size && px >= x && px < x + size;
        return inside && !core;
    }
}
