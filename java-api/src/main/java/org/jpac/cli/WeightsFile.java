package org.jpac.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.internal.AllocationCap;
import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.io.WeightFiles;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelRegistry;
import org.jpac.nn.Network;

/**
 * A weight file for a command: its state dict and, for safetensors files that
 * carry them (as jpac's golden model files do), the network's class name
 * ({@code model}) and constructor arguments ({@code args}) from the metadata.
 *
 * <p>Loading finds the network's keys as they are or under one of the prefixes
 * {@code param.} (golden files), {@code module.} (DataParallel), {@code crf.}
 * (the reference's ModelWithCrf) and loads those; the other entries of the file
 * are ignored only when a prefix was needed. {@code residual}: the metadata says
 * the network was trained to add its output to bilinear upsampling
 * ({@link org.jpac.nn.BilinearResidual}).
 */
record WeightsFile(Path path, StateDict dict, String model, String args, boolean residual) {

    private static final List<String> PREFIXES = List.of("", "param.", "module.", "crf.", "module.crf.");

    /** Reads a weight file; one-line errors name the option; non-finite weights as {@code finite} says. */
    static WeightsFile load(String opt, Path path, FiniteValues finite) {
        try {
            org.jpac.io.images.Images.checkReadable(path);
            StateDict dict = WeightFiles.load(path);
            finite.weights(opt, path, dict);
            String model = null;
            String args = null;
            boolean residual = false;
            if (WeightFiles.detect(path) == WeightFiles.Format.SAFETENSORS) {
                try (SafeTensors st = SafeTensors.open(path)) {
                    Map<String, String> md = st.metadata();
                    model = md.get("model");
                    args = md.get("args");
                    residual = org.jpac.nn.BilinearResidual.requestedBy(md);
                }
            }
            return new WeightsFile(path, dict, model, args, residual);
        } catch (IOException e) {
            throw CliException.failure("cannot read " + opt + " " + CliCommand.ioMessage(e));
        } catch (IllegalArgumentException e) {
            throw CliException.failure("cannot read " + opt + " " + path + ": " + e.getMessage());
        }
    }

    /** The 8x PacJointUpsample that ships in the jar (trained by jpac train; models/README.md). */
    static final String BUNDLED_X8 = "/models/pac_upsample_x8.safetensors";

    /** The bundled 8x model, copied out of the jar once per run (the readers take a path). */
    static WeightsFile bundledX8() {
        try (java.io.InputStream in = WeightsFile.class.getResourceAsStream(BUNDLED_X8)) {
            if (in == null) {
                throw CliException.failure("the bundled model " + BUNDLED_X8 + " is missing from the jar");
            }
            Path tmp = java.nio.file.Files.createTempFile("jpac-bundled-x8-", ".safetensors");
            tmp.toFile().deleteOnExit();
            java.nio.file.Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            WeightsFile w = load("the bundled model", tmp, FiniteValues.strict());
            return new WeightsFile(Path.of("(bundled)" + BUNDLED_X8), w.dict(), w.model(), w.args(), w.residual());
        } catch (IOException e) {
            throw CliException.failure("cannot read the bundled model: " + CliCommand.ioMessage(e));
        }
    }

    /**
     * The network the metadata names, built from {@code args}; it may allocate
     * little more than the file's tensors hold, so that arguments describing a
     * far larger network than the file's weights are refused at once
     * ({@link ModelRegistry.Entry#create(ModelArgs, long)}), before the
     * tensors' shapes are compared in {@link #loadInto}.
     */
    Network build(ModelArgs args) {
        long values = dict.asMap().values().stream().mapToLong(TensorData::numel).sum();
        try {
            return ModelRegistry.get(model).create(args, ModelRegistry.buildBudget(values));
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof AllocationCap.Exceeded) {
                throw new IllegalArgumentException(e.getMessage() + " (the file holds " + values + ")", e);
            }
            throw e;
        }
    }

    /** Whether the file names its network (model and args in the metadata). */
    boolean describesModel() {
        return model != null && args != null;
    }

    /**
     * {@code net} with the bilinear skip the metadata asks for ({@link org.jpac.nn.BilinearResidual}), or
     * {@code net} itself; closes {@code net} if it cannot take one.
     */
    Network withSkip(Network net, String what) {
        if (!residual) {
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
        Set<String> need = net.parameters().keySet();
        String chosen = null;
        for (String p : PREFIXES) {
            boolean all = true;
            for (String k : need) {
                if (!dict.contains(p + k)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                chosen = p;
                break;
            }
        }
        StateDict d = dict;
        if (chosen == null) {
            chosen = dict.names().stream().anyMatch(n -> n.startsWith("param.")) ? "param." : "";
        }
        if (!chosen.isEmpty()) {
            d = new StateDict();
            for (Map.Entry<String, TensorData> e : dict.asMap().entrySet()) {
                if (e.getKey().startsWith(chosen)) {
                    d.put(e.getKey().substring(chosen.length()), e.getValue());
                }
            }
        }
        try {
            net.loadStateDict(d);
        } catch (IllegalArgumentException e) {
            throw CliException.failure("weights " + path + " do not fit " + what + ": " + e.getMessage());
        }
    }
}
