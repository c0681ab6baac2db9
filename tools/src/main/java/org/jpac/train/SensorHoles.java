package org.jpac.train;

import java.util.SplittableRandom;

/**
 * Punches holes (NaN) into a low-resolution depth plane the way depth sensors
 * lose samples: on the far side of depth edges (the occlusion shadow of a
 * structured-light or stereo sensor, a run of 1 to 3 samples), in small blobs
 * (dark, shiny or out-of-range surfaces) and as isolated dropouts, about
 * 45/35/20 % of them each.
 */
final class SensorHoles {

    private SensorHoles() {
    }

    /**
     * Sets about {@code fraction} of the plane [h, w] to NaN, never all of it.
     *
     * @return the number of holes made
     */
    static int punch(float[] plane, int h, int w, double fraction, SplittableRandom rng) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction: must be in [0, 1), got " + fraction);
        }
        int n = h * w;
        int want = Math.min(n - 1, (int) Math.round(fraction * n));
        if (want <= 0) {
            return 0;
        }
        float[] depth = plane.clone();
        int made = 0;
        int shadow = (int) Math.round(0.45 * want);
        int blobs = (int) Math.round(0.35 * want);
        // occlusion shadows: samples whose neighbour is clearly nearer
        int[] edges = new int[n];
        int ne = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float d = depth[y * w + x];
                boolean far = (x > 0 && depth[y * w + x - 1] < 0.93f * d) || (x + 1 < w && depth[y * w + x + 1] < 0.93f * d)
                        || (y > 0 && depth[(y - 1) * w + x] < 0.93f * d) || (y + 1 < h && depth[(y + 1) * w + x] < 0.93f * d);
                if (far) {
                    edges[ne++] = y * w + x;
                }
            }
        }
        for (int tries = 0; made < shadow && ne > 0 && tries < 4 * want; tries++) {
            int i = edges[rng.nextInt(ne)];
            int run = 1 + rng.nextInt(3);
            int dir = rng.nextBoolean() ? 1 : -1;
            for (int k = 0; k < run && made < want; k++) {
                int x = i % w + dir * k;
                if (x < 0 || x >= w) {
                    break;
                }
                made += hole(plane, i - i % w + x);
            }
        }
        for (int tries = 0; made < shadow + blobs && tries < 4 * want; tries++) {
            int cy = rng.nextInt(h);
            int cx = rng.nextInt(w);
            double r = 0.7 + 2.3 * rng.nextDouble();
            for (int y = Math.max(0, (int) (cy - r)); y <= Math.min(h - 1, (int) (cy + r)) && made < want; y++) {
                for (int x = Math.max(0, (int) (cx - r)); x <= Math.min(w - 1, (int) (cx + r)) && made < want; x++) {
                    if ((y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r) {
                        made += hole(plane, y * w + x);
                    }
                }
            }
        }
        for (int tries = 0; made < want && tries < 20 * n; tries++) {
            made += hole(plane, rng.nextInt(n));
        }
        return made;
    }

    private static int hole(float[] plane, int i) {
        if (plane[i] != plane[i]) {
            return 0;
        }
        plane[i] = Float.NaN;
        return 1;
    }
}
