package org.jpac.nn;

/**
 * Registers the PAC-CRF networks with {@link ModelRegistry}: {@code PacCRF} and
 * {@code PacCRFLoose}, built from the reference's constructor arguments and run
 * on the inputs {@code unary} and {@code edge_feat}.
 */
public final class CrfModels {

    private CrfModels() {
    }

    /** Adds (or replaces) the CRF entries of the registry. */
    public static void register() {
        ModelRegistry.register("PacCRF", PacCRF::fromArgs, CrfModels::forward);
        ModelRegistry.register("PacCRFLoose", PacCRFLoose::fromArgs, CrfModels::forward);
    }

    private static org.jpac.Tensor forward(Network net, java.util.function.Function<String, org.jpac.Tensor> in) {
        return ((CrfNetwork) net).forward(ModelRegistry.required(in, "unary"), ModelRegistry.required(in, "edge_feat"));
    }
}
