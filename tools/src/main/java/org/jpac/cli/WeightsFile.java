package org.jpac.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.WeightFiles;
import org.jpac.model.BundledModels;
import org.jpac.model.ModelWeights;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.Network;

/**
 * A weight file for a command: {@link ModelWeights} (state dict, metadata,
 * prefix matching, bounded building) with the command's option in every
 * error, as one line.
 */
record WeightsFile(Path path, ModelWeights weights) {

    /** Reads a weight file; one-line errors name the option; non-finite weights as {@code finite} says. */
    static WeightsFile load(String opt, Path path, FiniteValues finite) {
        try {
            org.jpac.io.images.Images.checkReadable(path);
            StateDict dict = WeightFiles.load(path);
            finite.weights(opt, path, dict);
            java.util.Map<String, String> md = java.util.Map.of();
            if (WeightFiles.detect(path) == WeightFiles.Format.SAFETENSORS) {
                try (SafeTensors st = SafeTensors.open(path)) {
                    md = st.metadata();
                }
            }
            WeightsFile w = new WeightsFile(path, ModelWeights.of(path.toString(), dict, md));
            w.residual(); // an unknown target_residual is an error now, not when the network runs
            return w;
        } catch (IOException e) {
            throw CliException.failure("cannot read " + opt + " " + CliCommand.ioMessage(e));
        } catch (IllegalArgumentException e) {
            throw CliException.failure("cannot read " + opt + " " + path + ": " + e.getMessage());
        }
    }

    /** The 8x PacJointUpsample that ships in the jar (trained by jpac train; models/README.md). */
    static WeightsFile bundledX8() {
        return bundled("pac_upsample_x8");
    }

    /** A model that ships in the jar ({@link BundledModels#NAMES}). */
    static WeightsFile bundled(String name) {
        try {
            ModelWeights w = BundledModels.read(name);
            FiniteValues.strict().weights("the bundled model", Path.of(w.source()), w.stateDict());
            return new WeightsFile(Path.of("(bundled)/models/" + name + ".safetensors"), w);
        } catch (RuntimeException e) {
            throw CliException.failure("cannot read the bundled model: " + e.getMessage());
        }
    }

    StateDict dict() {
        return weights.stateDict();
    }

    String model() {
        return weights.model();
    }

    String args() {
        return weights.args();
    }

    /** The file's metadata (empty for .pth files). */
    java.util.Map<String, String> metadata() {
        return weights.metadata();
    }

    boolean residual() {
        return weights.residual();
    }

    /** The network the metadata names, built from {@code args} ({@link ModelWeights#build(ModelArgs)}). */
    Network build(ModelArgs args) {
        return weights.build(args);
    }

    /** Whether the file names its network (model and args in the metadata). */
    boolean describesModel() {
        return weights.describesModel();
    }

    /**
     * {@code net} with the bilinear skip the metadata asks for ({@link org.jpac.nn.BilinearResidual}), or
     * {@code net} itself; closes {@code net} if it cannot take one.
     */
    Network withSkip(Network net, String what) {
        if (!residual()) {
            return net;
        }
        if (!(net instanceof org.jpac.nn.TrainableUpsampler t)) {
            net.close();
            throw CliException.failure("weights " + path + ": 'target_residual' metadata on " + what
                    + ", which is not a trainable upsampling network");
        }
        return new org.jpac.nn.BilinearResidual(t);
    }

    /** Copies the weights into {@code net}; a one-line error says what does not fit. */
    void loadInto(Network net, String what) {
        try {
            weights.loadInto(net, what);
        } catch (IllegalArgumentException e) {
            throw CliException.failure(e.getMessage());
        }
    }
}
