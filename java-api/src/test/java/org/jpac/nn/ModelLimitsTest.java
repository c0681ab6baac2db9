package org.jpac.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.jpac.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Architecture values from a file's {@code args} are bounded before anything
 * is built from them, and a network built for a weight file may not allocate
 * much more than the file holds: a small file never costs minutes.
 */
class ModelLimitsTest {

    private static final Duration FAST = Duration.ofSeconds(1);

    private static String refused(String model, String json) {
        return assertTimeoutPreemptively(FAST, () -> assertThrows(IllegalArgumentException.class,
                () -> ModelRegistry.get(model).create(json).close()).getMessage());
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' lacks '" + p + "'");
        }
    }

    @Test
    void crfStepsAreBoundedAsCrfStepsIs() {
        contains(refused("PacCRF", "{\"channels\": 5, \"num_steps\": 2000000000}"),
                "num_steps must be in 0..1000", "2000000000");
        contains(refused("PacCRFLoose", "{\"channels\": 5, \"num_steps\": 1001}"), "num_steps must be in 0..1000");
        contains(refused("PacCRF", "{\"channels\": 5, \"num_steps\": 5, \"pairwise_kernels\": [{\"dilation\": "
                + "1000000}]}"), "dilation must be in 1..1024");
        contains(refused("PacCRF", "{\"channels\": 5, \"num_steps\": 5, \"unary_weight\": 1e999}"),
                "unary_weight must be a finite number");
    }

    @Test
    void channelsFactorsAndSizesAreBounded() {
        contains(refused("PacJointUpsample", "{\"factor\": 8, \"channels\": 1000000}"),
                "channels must be in 1..4096", "1000000");
        contains(refused("PacJointUpsample", "{\"factor\": 8, \"guide_channels\": 1000000}"),
                "guide_channels must be in 1..4096");
        contains(refused("PacJointUpsample", "{\"factor\": 8, \"n_t_filters\": [32, 1000000, 32]}"),
                "n_t_filters must be in 1..4096");
        contains(refused("PacJointUpsample", "{\"factor\": 8, \"n_f_layers\": 100000}"),
                "n_f_layers must be in 1..64");
        contains(refused("DJIF", "{\"factor\": 4, \"fs\": [9, 1, 100001]}"), "fs must be in 1..255");
        contains(refused("Bilinear", "{\"factor\": 1000000000000}"), "factor must be in 1..64");
        contains(refused("PacJointUpsampleLite", "{\"factor\": 1e300}"), "factor must be an integer");
        contains(refused("JointBilateral", "{\"factor\": 4, \"channels\": 1, \"kernel_size\": 100001, "
                + "\"scale_space\": 1, \"scale_color\": 1}"), "kernel_size must be in 1..255");
        contains(refused("JointBilateral", "{\"factor\": 4, \"channels\": 1, \"kernel_size\": 15, "
                + "\"scale_space\": 1e999, \"scale_color\": 1}"), "scale_space must be a finite number");
    }

    @Test
    void theCommandLineTakesItsRangesFromTheSameLimits() {
        assertEquals(1000, ModelLimits.MAX_CRF_STEPS);
        assertEquals(64, ModelLimits.MAX_FACTOR);
        assertEquals(255, ModelLimits.MAX_KERNEL_SIZE);
    }

    @Test
    void aNetworkLargerThanItsWeightsIsRefusedAfterAllocatingAboutTheirSize() {
        ModelArgs wide = ModelArgs.parse("PacJointUpsample", "{\"factor\": 8, \"channels\": 4096, "
                + "\"guide_channels\": 4096, \"n_t_filters\": 4096, \"n_g_filters\": 4096}");
        IllegalArgumentException e = assertTimeoutPreemptively(FAST, () -> assertThrows(
                IllegalArgumentException.class, () -> ModelRegistry.get("PacJointUpsample")
                        .create(wide, ModelRegistry.buildBudget(1000)).close()));
        contains(e.getMessage(), "PacJointUpsample args describe a network of more than", "values");
        // the budget of a network's own weights is enough to build it
        long values;
        try (Network n = ModelRegistry.get("DJIF").create("{\"factor\": 4}")) {
            values = n.parameters().values().stream().mapToLong(Tensor::numel).sum();
        }
        ModelRegistry.get("DJIF").create(ModelArgs.parse("DJIF", "{\"factor\": 4}"), ModelRegistry.buildBudget(values))
                .close();
        // and the cap ends with the build: later allocations on this thread are not bounded
        try (Tensor big = Tensor.empty(2L << 20)) {
            assertEquals(2L << 20, big.numel());
        }
    }
}
