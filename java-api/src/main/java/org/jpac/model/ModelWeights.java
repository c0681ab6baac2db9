package org.jpac.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.io.WeightFiles;
import org.jpac.internal.AllocationCap;
import org.jpac.internal.NonFinite;
import org.jpac.nn.BilinearResidual;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelRegistry;
import org.jpac.nn.Network;
import org.jpac.nn.TargetSkip;

/**
 * A weight file as read for a model: its state dict and the metadata a
 * safetensors file carries ({@code model}, {@code args}, {@code target_residual},
 * {@code target_scaling}, {@code sampling}, ...). PyTorch {@code .pth}
 * files carry no metadata.
 *
 * <p>{@link #loadInto} finds the network's keys as they are or under one of the
 * prefixes {@code param.} (jpac's golden files), {@code module.} (DataParallel),
 * {@code crf.} and {@code module.crf.} (the reference's ModelWithCrf).
 */
public final class ModelWeights {

    private static final List<String> PREFIXES = List.of("", "param.", "module.", "crf.", "module.crf.");

    private final String source;
    private final StateDict dict;
    private final Map<String, String> metadata;

    private ModelWeights(String source, StateDict dict, Map<String, String> metadata) {
        this.source = source;
        this.dict = dict;
        this.metadata = Map.copyOf(metadata);
    }

    /** Weights already in memory: a state dict and the metadata of the file it came from. */
    public static ModelWeights of(String source, StateDict dict, Map<String, String> metadata) {
        return new ModelWeights(source, dict, metadata == null ? Map.of() : metadata);
    }

    /**
     * Reads a .safetensors or PyTorch .pth file. Weights that are NaN or
     * infinite are refused ({@link IllegalArgumentException} naming the first):
     * they would make every output NaN without an error.
     */
    public static ModelWeights read(Path path) throws IOException {
        StateDict dict = WeightFiles.load(path);
        Map<String, String> md = Map.of();
        if (WeightFiles.detect(path) == WeightFiles.Format.SAFETENSORS) {
            try (SafeTensors st = SafeTensors.open(path)) {
                md = st.metadata();
            }
        }
        String bad = nonFiniteIn(dict);
        if (bad != null) {
            throw new IllegalArgumentException("weights " + path + ": " + bad);
        }
        return new ModelWeights(path.toString(), dict, md);
    }

    /** How many values of {@code dict} are NaN or infinite and where the first is, or null when none. */
    public static String nonFiniteIn(StateDict dict) {
        long count = 0;
        String first = null;
        for (Map.Entry<String, TensorData> e : dict.asMap().entrySet()) {
            NonFinite bad = NonFinite.in(e.getValue().data());
            if (bad != null) {
                count += bad.count();
                if (first == null) {
                    first = "'" + e.getKey() + "' at " + NonFinite.index(bad.first(), e.getValue().shape());
                }
            }
        }
        return count == 0 ? null : new NonFinite(count, 0).describe() + ", the first in " + first;
    }

    /** Largest weight file read from a stream (a stream that never ends must not fill the disk). */
    public static final long MAX_STREAM_BYTES = 4L << 30;

    /**
     * Reads a weight file from a stream (copied to a temporary file, deleted
     * again before this returns; at most {@link #MAX_STREAM_BYTES}); {@code name}
     * says where it came from in messages.
     */
    public static ModelWeights read(InputStream in, String name) throws IOException {
        Path tmp = Files.createTempFile("jpac-model-", ".weights");
        try {
            try (java.io.OutputStream out = Files.newOutputStream(tmp)) { // the caller closes `in`
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > MAX_STREAM_BYTES) {
                        throw new IOException(name + ": more than " + MAX_STREAM_BYTES + " bytes; not a weight file "
                                + "jpac reads from a stream");
                    }
                    out.write(buf, 0, n);
                }
            }
            try {
                ModelWeights w = read(tmp);
                return new ModelWeights(name, w.dict, w.metadata);
            } catch (IOException e) { // name the stream, not the temporary file
                throw new IOException(e.getMessage().replace(tmp.toString(), name), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().replace(tmp.toString(), name), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Where the weights came from (a path, or a name such as {@code bundled:pac_upsample_x8}). */
    public String source() {
        return source;
    }

    /** The weights by state-dict name. */
    public StateDict stateDict() {
        return dict;
    }

    /** The file's metadata (empty for .pth files). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The network's reference class name ({@code model}), or null. */
    public String model() {
        return metadata.get("model");
    }

    /** The network's constructor arguments as JSON ({@code args}), or null. */
    public String args() {
        return metadata.get("args");
    }

    /** Whether the metadata asks for the bilinear skip ({@code target_residual: bilinear}). */
    public boolean residual() {
        return BilinearResidual.requestedBy(metadata);
    }

    /** The skip the metadata asks for ({@code target_residual}: none, bilinear or jbu). */
    public TargetSkip skip() {
        return TargetSkip.of(metadata);
    }

    /** Float values in the state dict. */
    public long values() {
        return dict.asMap().values().stream().mapToLong(TensorData::numel).sum();
    }

    /**
     * The network {@link #model()} names, built from {@code args}; it may
     * allocate little more than these weights hold, so that arguments
     * describing a far larger network than the file's weights are refused at
     * once ({@link ModelRegistry.Entry#create(ModelArgs, long)}), before the
     * shapes are compared in {@link #loadInto}.
     */
    public Network build(ModelArgs args) {
        long values = values();
        try {
            return ModelRegistry.get(model()).create(args, ModelRegistry.buildBudget(values));
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof AllocationCap.Exceeded) {
                throw new IllegalArgumentException(e.getMessage() + " (the file holds " + values + ")", e);
            }
            throw e;
        }
    }

    /** The network the metadata describes ({@link #build(ModelArgs)} of its {@code args}). */
    public Network build() {
        if (!describesModel()) {
            throw new IllegalArgumentException("weights " + source + " do not say which network they are for "
                    + "(no 'model' and 'args' metadata)");
        }
        return build(ModelArgs.parse(model(), args()));
    }

    /** Whether the file names its network (both {@code model} and {@code args}). */
    public boolean describesModel() {
        return model() != null && args() != null;
    }

    /**
     * Copies the weights into {@code net}; throws {@link IllegalArgumentException}
     * saying what does not fit ({@code what} names the network in the message).
     */
    public void loadInto(Network net, String what) {
        Set<String> need = net.parameters().keySet();
        String chosen = null;
        for (String p : PREFIXES) {
            if (need.stream().allMatch(k -> dict.contains(p + k))) {
                chosen = p;
                break;
            }
        }
        if (chosen == null) {
            chosen = dict.names().stream().anyMatch(n -> n.startsWith("param.")) ? "param." : "";
        }
        StateDict d = dict;
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
            throw new IllegalArgumentException("weights " + source + " do not fit " + what + ": " + e.getMessage(), e);
        }
    }
}
