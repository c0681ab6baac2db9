package org.jpac.train;

import java.util.SplittableRandom;

/**
 * A generator of RGB-D scenes of any size with depth as the one target
 * channel, endless. A training crop is a random window of a scene half as
 * large again as the crop, so that windows differ in where the edges fall.
 */
public abstract class GeneratedScenes implements SampleSource {

    /** For subclasses. */
    protected GeneratedScenes() {
    }

    @Override
    public long size() {
        return -1;
    }

    @Override
    public int targetChannels() {
        return 1;
    }

    @Override
    public Sample sample(long id, int crop, SplittableRandom rng) {
        if (crop < 1) {
            throw new IllegalArgumentException("crop: must be >= 1, got " + crop);
        }
        int size = crop + crop / 2;
        Sample s = scene(id, size, size);
        return s.crop(rng.nextInt(size - crop + 1), rng.nextInt(size - crop + 1), crop, crop);
    }

    /**
     * Scene {@code id} at {@code height x width}.
     *
     * @param id which scene (the same id, the same scene)
     * @param height rows, at least 1
     * @param width columns, at least 1
     * @return the guide and depth
     */
    public abstract Sample scene(long id, int height, int width);

    /** Refuses an empty scene. */
    protected static void checkSize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("height/width: must be >= 1, got " + height + "x" + width);
        }
    }
}
