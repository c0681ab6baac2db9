package org.jpac.nn;

import java.util.Set;

/** The reference's {@code DJIFWide(factor, channels=1, guide_channels=3)}: DJIF with ns_tg (256, 128, 1), ns_f (256, 128). */
public final class DJIFWide extends DJIF {

    public DJIFWide(int factor, int channels, int guideChannels) {
        this(factor, channels, guideChannels, null);
    }

    public DJIFWide(int factor) {
        this(factor, 1, 3);
    }

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
