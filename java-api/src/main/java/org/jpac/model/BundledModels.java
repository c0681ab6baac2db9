package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The weight files that ship inside jpac's jar ({@code /models/}, described in
 * its README): found by name, e.g. {@code pac_upsample_x8}. An upsampler for one
 * sampling protocol only is named after it ({@code pac_upsample_x8_center},
 * {@code pac_upsample_x8_area}: refinements of JBU, the defaults) and preferred
 * for that protocol ({@link #upsampler}).
 */
public final class BundledModels {

    /** Every bundled model's name. */
    public static final List<String> NAMES = List.of("pac_upsample_x4", "pac_upsample_x8", "pac_upsample_x16",
            "pac_upsample_x4_center", "pac_upsample_x8_center", "pac_upsample_x16_center",
            "pac_upsample_x4_area", "pac_upsample_x8_area", "pac_upsample_x16_area", "paccrf_synthetic");

    private BundledModels() {
    }

    /** The resource path of a bundled model. */
    static String resource(String name) {
        return "/models/" + name + ".safetensors";
    }

    /**
     * The bundled upsampler's name for a factor and protocol: the one trained for
     * that protocol alone ({@code pac_upsample_x8_area}, {@code pac_upsample_x8_center}) where jpac ships one, else
     * the one for the factor ({@code pac_upsample_x8}), or null when there is none.
     */
    public static String upsampler(int factor, org.jpac.nn.Sampling sampling) {
        String general = "pac_upsample_x" + factor;
        String special = general + "_" + sampling.key();
        return exists(special) ? special : exists(general) ? general : null;
    }

    /** Whether a bundled model of that name exists. */
    public static boolean exists(String name) {
        return NAMES.contains(name);
    }

    /** Reads a bundled model; {@link IllegalArgumentException} lists the names for an unknown one. */
    public static ModelWeights read(String name) {
        if (!exists(name)) {
            throw new IllegalArgumentException("name: no bundled model '" + name + "' (bundled: " + NAMES + ")");
        }
        String res = resource(name);
        try (InputStream in = BundledModels.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("the bundled model " + res + " is missing from jpac's jar");
            }
            return ModelWeights.read(in, "bundled:" + name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled model " + res, e);
        }
    }
}
