package org.jpac.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpac.nn.SampledBilinear;
import org.jpac.nn.SampledJointBilateral;
import org.jpac.nn.Sampling;
import org.jpac.nn.UpsamplingNetwork;

/**
 * A training run's validation: synthetic scenes of its generator from
 * {@link SyntheticRgbd#VALIDATION_SEED} (not the held-out test set's seed),
 * one fixed set per sampling protocol it trains for (no holes), and the errors
 * of the model and of the bilinear and JBU baselines on them, averaged over the
 * protocols. Closing it closes the sets.
 */
final class Validation implements AutoCloseable {

    private final List<Sampling> protocols;
    private final List<List<Batch>> sets;
    private final int factor;

    private Validation(List<Sampling> protocols, List<List<Batch>> sets, int factor) {
        this.protocols = protocols;
        this.sets = sets;
        this.factor = factor;
    }

    /** The validation of run {@code c} (none for flow or a count of 0). */
    static Validation of(TrainConfig c, SampleSource src) {
        List<List<Batch>> sets = new ArrayList<>();
        List<Sampling> protocols = List.copyOf(new java.util.TreeSet<>(c.lowRes().samplings()));
        if (c.valCount() > 0 && src.targetChannels() == 1) {
            SampleSource held = TrainingLoop.synthetic(c.scenes(), SyntheticRgbd.VALIDATION_SEED);
            try {
                for (Sampling s : protocols) {
                    sets.add(DataStream.fixedSet(held, SyntheticRgbd.VALIDATION_SEED, c.valCount(), c.valCrop(),
                            c.factor(), LowResProtocol.of(s, 0)));
                }
            } catch (RuntimeException | Error e) {
                sets.forEach(l -> l.forEach(Batch::close));
                throw e;
            }
        }
        return new Validation(protocols, sets, c.factor());
    }

    boolean isEmpty() {
        return sets.isEmpty();
    }

    /** "center+area". */
    String protocols() {
        StringBuilder b = new StringBuilder();
        protocols.forEach(p -> b.append(b.isEmpty() ? "" : "+").append(p.key()));
        return b.toString();
    }

    /** The network's error on each protocol's set. */
    double[] errors(UpsamplingNetwork net) {
        double[] e = new double[sets.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = Evaluation.error(net, sets.get(i));
        }
        return e;
    }

    /** The mean of the network's errors over the protocols. */
    double error(UpsamplingNetwork net) {
        return mean(errors(net));
    }

    /** Bilinear's mean error, each set's samples where its protocol puts them. */
    double bilinear() {
        double s = 0;
        for (int i = 0; i < sets.size(); i++) {
            s += Evaluation.error(new SampledBilinear(factor, protocols.get(i)), sets.get(i));
        }
        return s / sets.size();
    }

    /** JBU's mean error (jpac's defaults), each set's samples where its protocol puts them. */
    double jbu() {
        double s = 0;
        for (int i = 0; i < sets.size(); i++) {
            s += Evaluation.error(SampledJointBilateral.defaults(factor, protocols.get(i)), sets.get(i));
        }
        return s / sets.size();
    }

    /** The errors {@link #errors} gave as "0.2650" or "0.2650 (center 0.2700, area 0.2600)". */
    String describe(double[] e) {
        if (e.length == 1) {
            return String.format(Locale.ROOT, "%.4f", e[0]);
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.4f (", mean(e)));
        for (int i = 0; i < e.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.4f", protocols.get(i).key(), e[i]));
        }
        return b.append(')').toString();
    }

    static double mean(double[] e) {
        double s = 0;
        for (double x : e) {
            s += x;
        }
        return s / e.length;
    }

    @Override
    public void close() {
        sets.forEach(l -> l.forEach(Batch::close));
    }
}
