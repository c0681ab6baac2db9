package org.jpac.nn;

/**
 * Bounds on the architecture values a weight file's {@code args} metadata may
 * give ({@link ModelArgs#getInt(String, int, int, int)}). The command line
 * takes its options' ranges from here too, so a file can never ask for more
 * than a user could type: a file's numbers are read before anything of that
 * size is allocated or run.
 *
 * <p>Where no command-line option exists (channels, filter and layer counts)
 * the bound is far above any published configuration of these networks yet
 * small enough that nothing allocated from it alone is large.
 */
public final class ModelLimits {

    /** Upsampling factor ({@code jpac upsample/train/eval --factor}). */
    public static final int MAX_FACTOR = 64;

    /** Window and filter sizes ({@code --jbu-kernel}, {@code filter --kernel-size}). */
    public static final int MAX_KERNEL_SIZE = 255;

    /** CRF mean-field steps ({@code jpac crf --steps}). */
    public static final int MAX_CRF_STEPS = 1000;

    /** Channels, guide channels, filter counts and kernel-feature channels of one layer. */
    public static final int MAX_CHANNELS = 4096;

    /** Layers of one branch. */
    public static final int MAX_LAYERS = 64;

    /** Dilation and blur (pooling factor) of a CRF pairwise term. */
    public static final int MAX_DILATION = 1024;

    /** Pairwise terms of a CRF. */
    public static final int MAX_PAIRWISE_KERNELS = 64;

    private ModelLimits() {
    }
}
