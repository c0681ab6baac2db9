package org.jpac.train;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Where training examples come from: a folder of images, or a generator.
 * Sources are deterministic: the same id, crop size and random generator state
 * give the same sample.
 */
public interface SampleSource {

    /** Number of distinct items (images), or -1 for an endless generator. */
    long size();

    /** Channels of the target: 1 for depth, 2 for optical flow. */
    int targetChannels();

    /**
     * Whether the target's values scale with the resolution (optical flow in
     * pixels: the low-resolution target is divided by the factor).
     */
    default boolean scalesWithResolution() {
        return false;
    }

    /**
     * A {@code crop x crop} example from item {@code id} ({@code 0 <= id < size}, or any
     * id for a generator); {@code rng} chooses the window. A folder's source gives
     * the whole image for {@code crop <= 0}.
     */
    Sample sample(long id, int crop, SplittableRandom rng) throws IOException;

    /** A one-line description for progress output. */
    String describe();
}
