package org.jpac.nn;

import java.util.Set;

/**
 * The reference's {@code PacJointUpsampleLite(factor, channels=1, guide_channels=3)}:
 * a {@link PacJointUpsample} with fewer filters, for factors 4, 8 and 16 only.
 */
public final class PacJointUpsampleLite extends PacJointUpsample {

    /**
     * The Lite network with random initial weights.
     *
     * @param factor the upsampling factor (4, 8 or 16)
     * @param channels the target channels
     * @param guideChannels the guide channels
     */
    public PacJointUpsampleLite(int factor, int channels, int guideChannels) {
        this(factor, channels, guideChannels, null);
    }

    /**
     * The Lite network with one target channel and three guide channels.
     *
     * @param factor the upsampling factor (4, 8 or 16)
     */
    public PacJointUpsampleLite(int factor) {
        this(factor, 1, 3);
    }

    /** With a seed for the initial weights (null: random). */
    public PacJointUpsampleLite(int factor, int channels, int guideChannels, Long seed) {
        super(preset(factor, channels, guideChannels, seed));
    }

    private static Builder preset(int factor, int channels, int guideChannels, Long seed) {
        Builder b = builder(factor).channels(channels).guideChannels(guideChannels);
        switch (factor) {
            case 4 -> b.nGFilters(12, 22).nTFilters(12, 16, 22).nFFilters(12, 16, 22).kCh(12);
            case 8 -> b.nGFilters(12, 16).nTFilters(12, 16, 16).nFFilters(12, 16, 16, 20).kCh(12);
            case 16 -> b.nGFilters(8, 16).nTFilters(8, 16, 16).nFFilters(8, 16, 16, 16, 16).kCh(10);
            default -> throw new IllegalArgumentException("factor: can only be 4, 8 or 16, got " + factor);
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b;
    }

    /** From the reference's constructor arguments. */
    public static PacJointUpsampleLite fromArgs(ModelArgs a) {
        a.rejectUnknown(Set.of("factor", "channels", "guide_channels"));
        return new PacJointUpsampleLite(factor(a), channels(a, "channels", 1), channels(a, "guide_channels", 3));
    }
}
