package org.jpac.io.images;

/**
 * How the dimensions of a 3-D {@code .npy} array map to channels, rows and
 * columns. 2-D arrays are always {@code H x W} (one channel) and 4-D arrays
 * {@code 1 x C x H x W}.
 */
public enum NpyLayout {
    /**
     * {@code H x W x C} when the last dimension is at most 4 (an image or a
     * 2-channel flow field stored channels-last), else {@code C x H x W}.
     */
    AUTO,
    /** Channels last: {@code H x W x C}. */
    HWC,
    /** Channels first: {@code C x H x W}. */
    CHW;

    /** Parses {@code auto}, {@code hwc} or {@code chw} (case-insensitive). */
    public static NpyLayout parse(String s) {
        for (NpyLayout l : values()) {
            if (l.name().equalsIgnoreCase(s)) {
                return l;
            }
        }
        throw new IllegalArgumentException("npy layout: expected auto, hwc or chw, got '" + s + "'");
    }
}
