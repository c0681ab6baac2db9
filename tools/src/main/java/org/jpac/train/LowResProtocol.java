package org.jpac.train;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

import org.jpac.nn.Sampling;

/**
 * How the low-resolution input of a training or evaluation example is made from
 * its full-resolution target: by one of {@code samplings} (drawn per example when
 * there are several, so that one model learns both), then holes (NaN) punched
 * as a depth sensor loses samples ({@link SensorHoles}): for training
 * ({@code exactHoles} false) half the examples get none and the others a
 * fraction drawn uniformly from [0, holes]; for evaluation exactly {@code holes}.
 *
 * @param samplings the protocols to draw from (at least one)
 * @param holes the (largest) fraction of missing samples, in [0, 0.9]
 * @param exactHoles every example gets exactly {@code holes}
 */
public record LowResProtocol(List<Sampling> samplings, double holes, boolean exactHoles) {

    /** The old default: block averages, no holes. */
    public static final LowResProtocol AREA = new LowResProtocol(List.of(Sampling.AREA), 0, true);

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if no protocol is given or {@code holes} is out of range
     */
    public LowResProtocol {
        samplings = List.copyOf(samplings);
        if (samplings.isEmpty()) {
            throw new IllegalArgumentException("samplings: need at least one protocol");
        }
        if (!(holes >= 0 && holes <= 0.9)) {
            throw new IllegalArgumentException("holes: must be a fraction in [0, 0.9], got " + holes);
        }
    }

    /** One protocol, the given exact hole fraction (evaluation). */
    public static LowResProtocol of(Sampling sampling, double holes) {
        return new LowResProtocol(List.of(sampling), holes, true);
    }

    /** The set of protocols, in {@link Sampling} order. */
    public Set<Sampling> samplingSet() {
        return Set.copyOf(samplings);
    }

    /**
     * The low-resolution version of {@code s}'s target, [c, h / f, w / f], each
     * value times {@code scale}; {@code rng} draws the protocol and the holes.
     */
    public float[] make(Sample s, int factor, double scale, SplittableRandom rng) {
        int c = s.channels();
        int hl = s.height() / factor;
        int wl = s.width() / factor;
        float[] low = new float[c * hl * wl];
        Sampling m = samplings.size() == 1 ? samplings.get(0) : samplings.get(rng.nextInt(samplings.size()));
        m.downsample(s.target(), c, s.height(), s.width(), factor, scale, low, 0);
        double f = exactHoles ? holes : rng.nextBoolean() ? 0 : holes * rng.nextDouble();
        if (f > 0 && c == 1) {
            SensorHoles.punch(low, hl, wl, f, rng);
        }
        return low;
    }

    /** "center+area, holes up to 20%" and the like. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Sampling m : samplings) {
            b.append(b.isEmpty() ? "" : "+").append(m.key());
        }
        if (holes > 0) {
            b.append(String.format(Locale.ROOT, exactHoles ? ", %.0f%% holes" : ", holes up to %.0f%%", 100 * holes));
        }
        return b.toString();
    }
}
