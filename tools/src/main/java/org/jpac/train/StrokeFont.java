package org.jpac.train;

/**
 * Capital letters as line segments on a 2 x 4 grid (x right, y down), for the
 * "text" objects of {@link SyntheticSegmentation}: drawn with strokes 3 to 6
 * pixels wide they are the thin, detailed structures a CRF must not erase.
 * No font files are needed, so the scenes are the same on every machine.
 */
final class StrokeFont {

    /** Letter advance in grid units (glyph width 2 plus spacing). */
    static final double ADVANCE = 2.8;
    /** Glyph height in grid units. */
    static final double HEIGHT = 4;

    // each row: x0, y0, x1, y1 of one segment
    private static final double[][][] GLYPHS = {
        {{0, 0, 0, 4}, {0, 0, 2, 0}, {0, 2, 1.6, 2}, {0, 4, 2, 4}},                     // E
        {{0, 0, 0, 4}, {0, 0, 2, 0}, {0, 2, 1.6, 2}},                                     // F
        {{0, 0, 0, 4}, {2, 0, 2, 4}, {0, 2, 2, 2}},                                       // H
        {{1, 0, 1, 4}, {0.4, 0, 1.6, 0}, {0.4, 4, 1.6, 4}},                               // I
        {{0, 0, 0, 4}, {0, 4, 2, 4}},                                                     // L
        {{0, 0, 2, 0}, {1, 0, 1, 4}},                                                     // T
        {{0, 4, 1, 0}, {1, 0, 2, 4}, {0.5, 2.5, 1.5, 2.5}},                               // A
        {{0, 0, 0, 4}, {2, 0, 0, 2.2}, {0.7, 1.6, 2, 4}},                                 // K
        {{0, 4, 0, 0}, {0, 0, 1, 2}, {1, 2, 2, 0}, {2, 0, 2, 4}},                         // M
        {{0, 4, 0, 0}, {0, 0, 2, 4}, {2, 4, 2, 0}},                                       // N
        {{0, 0, 1, 4}, {1, 4, 2, 0}},                                                     // V
        {{0, 0, 0.5, 4}, {0.5, 4, 1, 2}, {1, 2, 1.5, 4}, {1.5, 4, 2, 0}},                 // W
        {{0, 0, 2, 4}, {2, 0, 0, 4}},                                                     // X
        {{0, 0, 1, 2}, {2, 0, 1, 2}, {1, 2, 1, 4}},                                       // Y
        {{0, 0, 2, 0}, {2, 0, 0, 4}, {0, 4, 2, 4}},                                       // Z
        {{0.6, 0, 1.4, 0}, {1.4, 0, 2, 0.8}, {2, 0.8, 2, 3.2}, {2, 3.2, 1.4, 4},
            {1.4, 4, 0.6, 4}, {0.6, 4, 0, 3.2}, {0, 3.2, 0, 0.8}, {0, 0.8, 0.6, 0}},      // O
        {{0, 0, 0, 4}, {0, 0, 1.5, 0}, {1.5, 0, 2, 0.6}, {2, 0.6, 2, 1.4}, {2, 1.4, 1.5, 2},
            {1.5, 2, 0, 2}},                                                              // P
        {{0, 4, 2, 4}, {1, 0, 1, 4}, {0.3, 0.8, 1, 0}},                                   // 1
    };

    private StrokeFont() {
    }

    /** The number of glyphs. */
    static int glyphs() {
        return GLYPHS.length;
    }

    /** Glyph {@code g}'s segments {x0, y0, x1, y1} in grid units (do not modify). */
    static double[][] segments(int g) {
        return GLYPHS[g];
    }
}
