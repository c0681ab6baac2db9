package org.jpac.nn;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a joint upsampling network's output is added to, as a weight file's
 * {@code target_residual} metadata records it: {@link #NONE} (the reference's
 * direct prediction), {@link #BILINEAR} ({@link BilinearResidual}) or
 * {@link #JBU} ({@link JbuResidual}, which also gives the network JBU's
 * upsampling as a guide channel). One place reads the key, so no caller can run
 * a network without the skip its weights were trained with.
 */
public enum TargetSkip {
    /** The network's output as it is. */
    NONE,
    /** Plus bilinear upsampling of the target. */
    BILINEAR,
    /** Plus joint bilateral upsampling, which the network also sees as a guide channel. */
    JBU;

    /** The metadata value: {@code none}, {@code bilinear} or {@code jbu}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The guide channels the wrapped network takes for a guide of {@code guideChannels}. */
    public int networkGuideChannels(int guideChannels) {
        return this == JBU ? guideChannels + 1 : guideChannels;
    }

    /** The skip named {@code s}; {@code what} names the argument in errors. */
    public static TargetSkip parse(String s, String what) {
        for (TargetSkip k : values()) {
            if (k.key().equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException(what + ": unknown value '" + s + "' (jpac knows 'none', 'bilinear' and "
                + "'jbu')");
    }

    /** The skip weight-file metadata asks for ({@code target_residual}; absent: none). */
    public static TargetSkip of(Map<String, String> metadata) {
        String v = metadata == null ? null : metadata.get(BilinearResidual.METADATA_KEY);
        return v == null ? NONE : parse(v, BilinearResidual.METADATA_KEY + " in the weight file's metadata");
    }

    /**
     * {@code net} with this skip; {@code samplings} are the protocols the model was
     * trained for (JBU needs exactly one, to place the samples).
     *
     * @throws IllegalArgumentException if JBU is asked for with no single protocol
     */
    public TrainableUpsampler wrap(TrainableUpsampler net, Set<Sampling> samplings) {
        return switch (this) {
            case NONE -> net;
            case BILINEAR -> new BilinearResidual(net);
            case JBU -> {
                if (samplings == null || samplings.size() != 1) {
                    throw new IllegalArgumentException("sampling: the JBU skip needs the one protocol the model was "
                            + "trained for, got " + (samplings == null ? "none" : Sampling.format(samplings)));
                }
                yield new JbuResidual(net, samplings.iterator().next());
            }
        };
    }

    /** The skip of a network built by {@link #wrap} (NONE for any other). */
    public static TargetSkip of(UpsamplingNetwork net) {
        return net instanceof BilinearResidual ? BILINEAR : net instanceof JbuResidual ? JBU : NONE;
    }

    /** The wrapped network of a {@link #wrap} result, or {@code net} itself. */
    public static UpsamplingNetwork inner(UpsamplingNetwork net) {
        return net instanceof ResidualUpsampler r ? r.inner() : net;
    }

    /** " + bilinear", " + JBU" or "" for names in reports. */
    public String suffix() {
        return switch (this) {
            case NONE -> "";
            case BILINEAR -> " + bilinear";
            case JBU -> " + JBU";
        };
    }
}
