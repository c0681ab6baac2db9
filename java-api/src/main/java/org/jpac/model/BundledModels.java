package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The weight files that ship inside jpac's jar ({@code /models/}, described in
 * its README): found by name, e.g. {@code pac_upsample_x8}.
 */
public final class BundledModels {

    /** Every bundled model's name. */
    public static final List<String> NAMES = List.of("pac_upsample_x8", "paccrf_synthetic");

    private BundledModels() {
    }

    /** The resource path of a bundled model. */
    static String resource(String name) {
        return "/models/" + name + ".safetensors";
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
