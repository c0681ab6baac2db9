package org.jpac.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.internal.Placed;
import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.nn.Network;

/**
 * Training checkpoints and trained models as safetensors files. A model file
 * holds the network's state dict under its reference keys and the metadata
 * {@code model} (class name) and {@code args} (constructor arguments, JSON), as
 * the golden files do, so it loads like any other weight file. A checkpoint
 * adds the optimizer's buffers as {@code optim.<param key>.<buffer>} and the
 * metadata {@code jpac.step} (steps done) and {@code jpac.optim_steps}, plus
 * whatever training settings the caller records. Files are written to a
 * temporary name and moved into place ({@link org.jpac.io.AtomicFiles}), so a
 * crash or a full disk during a save leaves the previous checkpoint as it was.
 */
public final class Checkpoint {

    /** The prefix of the optimizer's buffers in a checkpoint's state dict. */
    public static final String OPTIM_PREFIX = "optim.";
    /** The metadata key of the number of training steps done. */
    public static final String STEP = "jpac.step";
    /** The metadata key of the optimizer's step count. */
    public static final String OPTIM_STEPS = "jpac.optim_steps";

    /** What a checkpoint file holds. */
    public record Contents(StateDict weights, Map<String, float[]> optimizerState, long optimizerSteps, long step,
                           Map<String, String> metadata) {
    }

    private Checkpoint() {
    }

    /** Writes the network's state dict with {@code metadata}. */
    public static void saveModel(Path file, Network net, Map<String, String> metadata) throws IOException {
        write(file, new LinkedHashMap<>(net.parameters()), metadata);
    }

    /** Writes weights, optimizer state and the step count. */
    public static void save(Path file, Network net, Optimizer opt, long step, Map<String, String> metadata)
            throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>(net.parameters());
        List<Tensor> made = new ArrayList<>();
        try {
            for (Map.Entry<String, float[]> e : opt.state().entrySet()) {
                Tensor t = Tensor.of(e.getValue(), e.getValue().length);
                made.add(t);
                all.put(OPTIM_PREFIX + e.getKey(), t);
            }
            Map<String, String> meta = new LinkedHashMap<>(metadata);
            meta.put(STEP, Long.toString(step));
            meta.put(OPTIM_STEPS, Long.toString(opt.steps()));
            write(file, all, meta);
        } finally {
            made.forEach(Tensor::close);
        }
    }

    private static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // a network trained on a device is written from host copies of its tensors
        Map<String, Tensor> host = new LinkedHashMap<>();
        List<Placed> copies = new ArrayList<>();
        try {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Placed p = Placed.onCpu(e.getValue());
                copies.add(p);
                host.put(e.getKey(), p.get());
            }
            SafeTensors.write(file, host, metadata);
        } finally {
            copies.forEach(Placed::close);
        }
    }

    /** Reads a checkpoint or model file (a model file has no optimizer state and step 0). */
    public static Contents load(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            StateDict weights = new StateDict();
            Map<String, float[]> optim = new HashMap<>();
            for (String n : st.names()) {
                float[] v = st.readFloats(n);
                if (n.startsWith(OPTIM_PREFIX)) {
                    optim.put(n.substring(OPTIM_PREFIX.length()), v);
                } else {
                    weights.put(n, new TensorData(v, st.entry(n).shape()));
                }
            }
            Map<String, String> meta = st.metadata();
            return new Contents(weights, optim, number(meta, OPTIM_STEPS, file), number(meta, STEP, file),
                    Map.copyOf(meta));
        }
    }

    private static long number(Map<String, String> meta, String key, Path file) throws IOException {
        String v = meta.get(key);
        if (v == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException(file + ": metadata " + key + " is not a step count: '" + v + "'");
        }
    }
}
