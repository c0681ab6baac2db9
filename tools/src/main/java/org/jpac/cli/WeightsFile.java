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
            w.skip(); // an unknown target_residual is an error now, not when the network runs
            return w;
        } catch (IOException e) {
            throw CliException.failure("cannot read " + opt + " " + CliCommand.ioMessage(e));
        } catch (IllegalArgumentException e) {
            throw CliException.failure("cannot read " + opt + " " + path + ": " + e.getMessage());
        }
    }

    /** The bundled PacJointUpsample's name for a factor ({@code pac_upsample_x8}). */
    static String bundledName(int factor) {
        return "pac_upsample_x" + factor;
    }

    /** The factors jpac bundles a PacJointUpsample for, as "4, 8, 16". */
    static String bundledFactors() {
        StringBuilder b = new StringBuilder();
        for (int f = 2; f <= 64; f *= 2) {
            if (hasBundled(f)) {
                b.append(b.isEmpty() ? "" : ", ").append(f);
            }
        }
        return b.toString();
    }

    /** Whether a PacJointUpsample for {@code factor} ships in the jar. */
    static boolean hasBundled(int factor) {
        return BundledModels.exists(bundledName(factor));
    }

    /**
     * The PacJointUpsample for {@code factor} and {@code sampling} that ships in the jar
     * (trained by jpac train; models/README.md; {@link BundledModels#upsampler}).
     */
    static WeightsFile bundled(int factor, org.jpac.nn.Sampling sampling) {
        String name = BundledModels.upsampler(factor, sampling);
        if (name == null) {
            throw CliException.failure("no bundled PacJointUpsample for " + factor + "x");
        }
        return bundled(name);
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

    /** The protocols the weights were trained for ({@code sampling} metadata; AREA when unrecorded). */
    java.util.Set<org.jpac.nn.Sampling> samplings() {
        String s = weights.metadata().get(org.jpac.model.DepthUpsampler.SAMPLING_KEY);
        try {
            return s == null ? java.util.Set.of(org.jpac.nn.Sampling.AREA)
                    : org.jpac.nn.Sampling.parseSet(s, "metadata 'sampling'");
        } catch (IllegalArgumentException e) {
            throw CliException.failure("weights " + path + ": " + e.getMessage());
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

    /** The skip the metadata asks for ({@code target_residual}). */
    org.jpac.nn.TargetSkip skip() {
        return weights.skip();
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
     * {@code net} with the skip the metadata asks for ({@link org.jpac.nn.TargetSkip}: bilinear or JBU), or
     * {@code net} itself; closes {@code net} if it cannot take one.
     */
    Network withSkip(Network net, String what) {
        org.jpac.nn.TargetSkip skip = skip();
        if (skip == org.jpac.nn.TargetSkip.NONE) {
            return net;
        }
        if (!(net instanceof org.jpac.nn.TrainableUpsampler t)) {
            net.close();
            throw CliException.failure("weights " + path + ": 'target_residual' metadata on " + what
                    + ", which is not a trainable upsampling network");
        }
        try {
            return skip.wrap(t, samplings());
        } catch (IllegalArgumentException e) {
            net.close();
            throw CliException.failure("weights " + path + ": " + e.getMessage());
        }
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
