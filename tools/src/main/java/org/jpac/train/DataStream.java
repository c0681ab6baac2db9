package org.jpac.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training batches as a deterministic function of the step number, so that
 * a run resumed from a checkpoint sees exactly the batches an uninterrupted run
 * would. A finite source is shuffled once per epoch (a permutation seeded by
 * the seed and the epoch) and an epoch covers it once; a generator's epoch is
 * {@code stepsPerEpoch} batches of fresh scenes. Crop windows come from a
 * generator seeded by (seed, step, position in the batch).
 */
public final class DataStream {

    private final SampleSource source;
    private final long seed;
    private final int batchSize;
    private final int crop;
    private final int factor;
    private final long stepsPerEpoch;
    private final LowResProtocol lowRes;
    private long permEpoch = -1;
    private long[] perm;

    /**
     * @param stepsPerEpoch batches per epoch for a generator; ignored (0 allowed)
     *                      for a finite source, whose epoch is ceil(size / batch)
     */
    public DataStream(SampleSource source, long seed, int batchSize, int crop, int factor, long stepsPerEpoch) {
        this(source, seed, batchSize, crop, factor, stepsPerEpoch, LowResProtocol.AREA);
    }

    /** As above, the low-resolution inputs made as {@code lowRes} says. */
    public DataStream(SampleSource source, long seed, int batchSize, int crop, int factor, long stepsPerEpoch,
                      LowResProtocol lowRes) {
        if (lowRes == null) {
            throw new NullPointerException("lowRes");
        }
        this.lowRes = lowRes;
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch: must be >= 1, got " + batchSize);
        }
        if (factor < 1 || crop < factor || crop % factor != 0) {
            throw new IllegalArgumentException("crop: must be a positive multiple of the factor " + factor + ", got "
                    + crop);
        }
        this.source = source;
        this.seed = seed;
        this.batchSize = batchSize;
        this.crop = crop;
        this.factor = factor;
        if (source.size() >= 0) {
            if (source.size() == 0) {
                throw new IllegalArgumentException("source: " + source.describe() + " is empty");
            }
            this.stepsPerEpoch = (source.size() + batchSize - 1) / batchSize;
        } else {
            if (stepsPerEpoch < 1) {
                throw new IllegalArgumentException("stepsPerEpoch: must be >= 1, got " + stepsPerEpoch);
            }
            this.stepsPerEpoch = stepsPerEpoch;
        }
    }

    /** The number of batches in an epoch. */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The number of examples in a batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The side of the square crops, in full-resolution pixels. */
    public int crop() {
        return crop;
    }

    /** Where the examples come from. */
    public SampleSource source() {
        return source;
    }

    /** The batch of global step {@code step} (from 0). */
    public Batch batch(long step) {
        long epoch = step / stepsPerEpoch;
        long pos = step % stepsPerEpoch;
        List<Sample> samples = new ArrayList<>(batchSize);
        List<float[]> lows = new ArrayList<>(batchSize);
        try {
            for (int i = 0; i < batchSize; i++) {
                long id;
                if (source.size() < 0) {
                    id = step * batchSize + i;
                } else {
                    id = permutation(epoch)[(int) ((pos * batchSize + i) % source.size())];
                }
                SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step * 131 + i);
                Sample s = source.sample(id, crop, rng);
                samples.add(s);
                lows.add(lowRes.make(s, factor, source.scalesWithResolution() ? 1.0 / factor : 1, rng));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Batch.of(samples, factor, source.scalesWithResolution(), lows);
    }

    private synchronized long[] permutation(long epoch) {
        if (epoch != permEpoch) {
            int n = Math.toIntExact(source.size());
            long[] p = new long[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(seed ^ (0xC0FFEEL + epoch * 0x9E3779B97F4A7C15L));
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                long t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            perm = p;
            permEpoch = epoch;
        }
        return perm;
    }

    /**
     * A fixed evaluation set: {@code count} batches of one sample each from
     * items 0, 1, ... (a generator's held-out scenes, or a folder's first images),
     * cropped at seeded positions; with {@code crop <= 0}, a folder's whole images
     * (cut to multiples of the factor).
     */
    public static List<Batch> fixedSet(SampleSource source, long seed, int count, int crop, int factor) {
        return fixedSet(source, seed, count, crop, factor, LowResProtocol.AREA);
    }

    /** As above, the low-resolution inputs made as {@code lowRes} says (seeded per item). */
    public static List<Batch> fixedSet(SampleSource source, long seed, int count, int crop, int factor,
                                       LowResProtocol lowRes) {
        List<Batch> out = new ArrayList<>();
        try {
            long n = source.size() < 0 ? count : Math.min(count, source.size());
            for (long i = 0; i < n; i++) {
                SplittableRandom rng = new SplittableRandom(seed + 7919 * i);
                Sample s = source.sample(i, crop, rng);
                if (crop <= 0) {
                    s = s.trimmedTo(factor);
                }
                float[] low = lowRes.make(s, factor, source.scalesWithResolution() ? 1.0 / factor : 1, rng);
                out.add(Batch.of(List.of(s), factor, source.scalesWithResolution(), List.of(low)));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            out.forEach(Batch::close);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }
}
