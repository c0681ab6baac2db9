package org.jpac.nn;

import java.util.Set;

/** The reference's {@code DJIFWide(factor, channels=1, guide_channels=3)}: DJIF with ns_tg (256, 128, 1), ns_f (256, 128). */
public final class DJIFWide extends DJIF {

    /**
     * The wide network with random initial weights.
     *
     * @param factor the upsampling factor
     * @param channels the target channels
     * @param guideChannels the guide channels
     */
    public DJIFWide(int factor, int channels, int guideChannels) {
        this(factor, channels, guideChannels, null);
    }

    /**
     * The wide network with one target channel and three guide channels.
     *
     * @param factor the upsampling factor
     */
    public DJIFWide(int factor) {
        this(factor, 1, 3);
    }

    /**
     * The wide network with seeded initial weights.
     *
     * @param factor the upsampling factor
     * @param channels the target channels
     * @param guideChannels the guide channels
     * @param seed seed of the initial weights, or null for random
     */
    public DJIFWide(int factor, int channels, int guideChannels, Long seed) {
        super(factor, channels, guideChannels, new int[] {9, 1, 5}, new int[] {256, 128, 1}, new int[] {256, 128},
                seed);
    }

    /** From the reference's constructor arguments. */
    public static DJIFWide fromArgs(ModelArgs a) {
        a.rejectUnknown(Set.of("factor", "channels", "guide_channels"));
        return new DJIFWide(PacJointUpsample.factor(a), PacJointUpsample.channels(a, "channels", 1),
                PacJointUpsample.channels(a, "guide_channels", 3));
    }
}
