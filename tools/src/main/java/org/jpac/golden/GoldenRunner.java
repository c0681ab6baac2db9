package org.jpac.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jpac.Device;
import org.jpac.Grad;
import org.jpac.JpacException;
import org.jpac.Kernel2dResult;
import org.jpac.KernelType;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.SmoothKernel;
import org.jpac.Tensor;
import org.jpac.grad.ConvGrads;
import org.jpac.grad.GuidedConvGrads;
import org.jpac.grad.GuidedPoolGrads;
import org.jpac.grad.Kernel2dGrads;
import org.jpac.grad.PoolGrads;
import org.jpac.internal.Json;
import org.jpac.io.SafeTensors;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.nn.CrfGrads;
import org.jpac.nn.CrfNetwork;
import org.jpac.nn.ModelArgs;
import org.jpac.nn.ModelRegistry;
import org.jpac.nn.Network;
import org.jpac.nn.TrainableUpsampler;
import org.jpac.nn.UpsampleGrads;

/**
 * Runs golden case files (see shared/golden/README.md): dispatches on the
 * metadata {@code op} and {@code params}, runs forward and backward (with
 * {@code grad_output}) in float32, and compares {@code output},
 * {@code output_mask} and every {@code grad_*} tensor with the golden
 * tolerance. An all-zero {@code grad_} tensor means "no gradient" and is not
 * requested. Op {@code model} builds the network named by the metadata through
 * {@link ModelRegistry}, loads its {@code param.*} tensors, compares its
 * {@code output} and, given {@code grad_output}, the gradients for its inputs
 * and parameters ({@code grad_param.<key>}). A case the library cannot run is a
 * failure.
 *
 * <p>On a CUDA device ({@link #run(Path, Device)}) the case's tensors are copied
 * to the device, the operations run there and their results are copied back for
 * the comparison; a model case's network is moved there ({@link Network#to}) and
 * its output compared (its gradients are the CPU's alone: networks train on the
 * CPU); a network that cannot move there is reported as unsupported.
 */
public final class GoldenRunner {

    /** Relative tolerance of the golden comparison. */
    public static final double RTOL = 1e-4;

    /** Outcome of one case. {@code worstTensor} may be null when nothing was compared. */
    public record CaseResult(String name, boolean passed, String worstTensor, double worstError,
                             double worstTolerance, String message) {
        /** Whether the case failed because the backend does not take it (status UNSUPPORTED), not by a wrong result. */
        public boolean unsupported() {
            return !passed && message.startsWith(UNSUPPORTED);
        }
    }

    /** How the message of a case the backend refused as unsupported starts. */
    static final String UNSUPPORTED = "unsupported: ";

    private GoldenRunner() {
    }

    /** The case name of a file: its name without {@code .safetensors}. */
    public static String caseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }

    /** Every {@code *.safetensors} file under {@code dir} (recursively), sorted by path. */
    public static List<Path> listCases(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".safetensors"))
                    .sorted().toList();
        }
    }

    /** Runs one case on the CPU; never throws for a failing case (the message says why). */
    public static CaseResult run(Path file) {
        return run(file, Device.CPU);
    }

    /** Runs one case with its tensors on {@code device}; never throws for a failing case. */
    public static CaseResult run(Path file, Device device) {
        String name = caseName(file);
        Comparison cmp = new Comparison(RTOL);
        try (SafeTensors st = SafeTensors.open(file); Case c = new Case(st, device)) {
            String op = st.metadata().get("op");
            if (op == null) {
                return fail(name, cmp, "no 'op' in the file's metadata");
            }
            Map<String, Object> params = Json.parseObject(st.metadata().getOrDefault("params", "{}"));
            switch (op) {
                case "kernel2d" -> kernel2d(c, params, cmp);
                case "conv2d" -> conv(c, params, cmp, false);
                case "conv_transpose2d" -> conv(c, params, cmp, true);
                case "conv2d_guided" -> convGuided(c, params, cmp, false);
                case "conv_transpose2d_guided" -> convGuided(c, params, cmp, true);
                case "pool2d" -> pool(c, params, cmp);
                case "pool2d_guided" -> poolGuided(c, params, cmp);
                case "model" -> {
                    try {
                        model(c, st, cmp, device);
                    } catch (UnsupportedOperationException e) {
                        return fail(name, cmp, UNSUPPORTED + e.getMessage());
                    }
                    if (!device.isCpu() && cmp.ok()) {
                        return new CaseResult(name, true, cmp.worstName, cmp.worstError, cmp.worstTolerance,
                                String.format("output on %s, worst %.3g (tolerance %.3g); gradients: CPU only", device,
                                        cmp.worstError, cmp.worstTolerance));
                    }
                }
                default -> {
                    return fail(name, cmp, "unknown op '" + op + "'");
                }
            }
        } catch (JpacException e) {
            String kind = e.status() == JpacException.Status.UNSUPPORTED ? UNSUPPORTED : "JpacException: ";
            return fail(name, cmp, kind + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return fail(name, cmp, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (cmp.compared == 0 && cmp.ok()) {
            cmp.fail("nothing to compare (no output or grad_ tensors)");
        }
        if (!cmp.ok()) {
            return fail(name, cmp, cmp.failure);
        }
        return new CaseResult(name, true, cmp.worstName, cmp.worstError, cmp.worstTolerance,
                String.format("worst %s: %.3g (tolerance %.3g)", cmp.worstName, cmp.worstError, cmp.worstTolerance));
    }

    private static CaseResult fail(String name, Comparison cmp, String message) {
        return new CaseResult(name, false, cmp.worstName, cmp.worstError, cmp.worstTolerance, message);
    }

    // ---- ops ----------------------------------------------------------------------

    private static void kernel2d(Case c, Map<String, Object> p, Comparison cmp) throws IOException {
        PacOptions o = Params.options(p);
        Tensor guide = c.need("guide");
        Tensor alpha = c.in("inv_alpha");
        Tensor lambda = c.in("inv_lambda");
        Tensor smooth = c.smooth(p);
        Tensor mask = c.in("mask");
        try (Kernel2dResult r = Pac.kernel2d(guide, alpha, lambda, smooth, mask, o)) {
            c.compare(cmp, "output", r.kernel());
            if (c.has("output_mask")) {
                c.compare(cmp, "output_mask", r.outputMask());
            }
        }
        if (!c.has("grad_output")) {
            return;
        }
        Set<Grad> needs = c.needs(Map.of("grad_guide", Grad.GUIDE, "grad_inv_alpha", Grad.INV_ALPHA,
                "grad_inv_lambda", Grad.INV_LAMBDA, "grad_smooth_kernel", Grad.SMOOTH_KERNEL));
        try (Kernel2dGrads g = Pac.kernel2dBackward(guide, alpha, lambda, smooth, mask, c.need("grad_output"), o,
                needs)) {
            c.compareGrads(cmp, grads("grad_guide", g.gradGuide(), "grad_inv_alpha", g.gradInvAlpha(),
                    "grad_inv_lambda", g.gradInvLambda(), "grad_smooth_kernel", g.gradSmoothKernel()));
        }
    }

    private static void conv(Case c, Map<String, Object> p, Comparison cmp, boolean transposed) throws IOException {
        PacOptions o = Params.options(p);
        Tensor input = c.need("input");
        Tensor kernel = c.need("kernel");
        Tensor weight = c.need("weight");
        Tensor bias = Params.bool(p, "bias", c.has("bias")) ? c.in("bias") : null;
        try (Tensor out = transposed ? Pac.convTranspose2d(input, kernel, weight, bias, o)
                : Pac.conv2d(input, kernel, weight, bias, o)) {
            c.compare(cmp, "output", out);
        }
        if (!c.has("grad_output")) {
            return;
        }
        Set<Grad> needs = c.needs(Map.of("grad_input", Grad.INPUT, "grad_kernel", Grad.KERNEL,
                "grad_weight", Grad.WEIGHT, "grad_bias", Grad.BIAS));
        Tensor go = c.need("grad_output");
        try (ConvGrads g = transposed ? Pac.convTranspose2dBackward(input, kernel, weight, go, o, needs)
                : Pac.conv2dBackward(input, kernel, weight, go, o, needs)) {
            c.compareGrads(cmp, grads("grad_input", g.gradInput(), "grad_kernel", g.gradKernel(),
                    "grad_weight", g.gradWeight(), "grad_bias", g.gradBias()));
        }
    }

    private static void convGuided(Case c, Map<String, Object> p, Comparison cmp, boolean transposed)
            throws IOException {
        PacOptions o = Params.options(p);
        Tensor input = c.need("input");
        Tensor guide = c.need("guide");
        Tensor alpha = c.in("inv_alpha");
        Tensor lambda = c.in("inv_lambda");
        Tensor smooth = c.smooth(p);
        Tensor weight = c.need("weight");
        Tensor bias = Params.bool(p, "bias", c.has("bias")) ? c.in("bias") : null;
        try (Tensor out = transposed
                ? Pac.convTranspose2dGuided(input, guide, alpha, lambda, smooth, weight, bias, o)
                : Pac.conv2dGuided(input, guide, alpha, lambda, smooth, weight, bias, o)) {
            c.compare(cmp, "output", out);
        }
        if (!c.has("grad_output")) {
            return;
        }
        Set<Grad> needs = c.needs(Map.of("grad_input", Grad.INPUT, "grad_guide", Grad.GUIDE,
                "grad_weight", Grad.WEIGHT, "grad_bias", Grad.BIAS, "grad_inv_alpha", Grad.INV_ALPHA,
                "grad_inv_lambda", Grad.INV_LAMBDA, "grad_smooth_kernel", Grad.SMOOTH_KERNEL));
        Tensor go = c.need("grad_output");
        try (GuidedConvGrads g = transposed
                ? Pac.convTranspose2dGuidedBackward(input, guide, alpha, lambda, smooth, weight, go, o, needs)
                : Pac.conv2dGuidedBackward(input, guide, alpha, lambda, smooth, weight, go, o, needs)) {
            Map<String, Tensor> got = new HashMap<>();
            got.put("grad_input", g.gradInput());
            got.put("grad_guide", g.gradGuide());
            got.put("grad_weight", g.gradWeight());
            got.put("grad_bias", g.gradBias());
            got.put("grad_inv_alpha", g.gradInvAlpha());
            got.put("grad_inv_lambda", g.gradInvLambda());
            got.put("grad_smooth_kernel", g.gradSmoothKernel());
            c.compareGrads(cmp, got);
        }
    }

    private static void pool(Case c, Map<String, Object> p, Comparison cmp) throws IOException {
        PacOptions o = Params.options(p);
        Tensor input = c.need("input");
        Tensor kernel = c.need("kernel");
        try (Tensor out = Pac.pool2d(input, kernel, o)) {
            c.compare(cmp, "output", out);
        }
        if (!c.has("grad_output")) {
            return;
        }
        Set<Grad> needs = c.needs(Map.of("grad_input", Grad.INPUT, "grad_kernel", Grad.KERNEL));
        try (PoolGrads g = Pac.pool2dBackward(input, kernel, c.need("grad_output"), o, needs)) {
            c.compareGrads(cmp, grads("grad_input", g.gradInput(), "grad_kernel", g.gradKernel()));
        }
    }

    private static void poolGuided(Case c, Map<String, Object> p, Comparison cmp) throws IOException {
        PacOptions o = Params.options(p);
        Tensor input = c.need("input");
        Tensor guide = c.need("guide");
        Tensor alpha = c.in("inv_alpha");
        Tensor lambda = c.in("inv_lambda");
        Tensor smooth = c.smooth(p);
        try (Tensor out = Pac.pool2dGuided(input, guide, alpha, lambda, smooth, o)) {
            c.compare(cmp, "output", out);
        }
        if (!c.has("grad_output")) {
            return;
        }
        Set<Grad> needs = c.needs(Map.of("grad_input", Grad.INPUT, "grad_guide", Grad.GUIDE,
                "grad_inv_alpha", Grad.INV_ALPHA, "grad_inv_lambda", Grad.INV_LAMBDA,
                "grad_smooth_kernel", Grad.SMOOTH_KERNEL));
        try (GuidedPoolGrads g = Pac.pool2dGuidedBackward(input, guide, alpha, lambda, smooth,
                c.need("grad_output"), o, needs)) {
            Map<String, Tensor> got = new HashMap<>();
            got.put("grad_input", g.gradInput());
            got.put("grad_guide", g.gradGuide());
            got.put("grad_inv_alpha", g.gradInvAlpha());
            got.put("grad_inv_lambda", g.gradInvLambda());
            got.put("grad_smooth_kernel", g.gradSmoothKernel());
            c.compareGrads(cmp, got);
        }
    }

    // ---- models ---------------------------------------------------------------------

    /**
     * A network case: builds the network named by the metadata {@code model} from
     * {@code args} (see {@link ModelRegistry}), loads the {@code param.*} tensors as
     * its state dict, runs the forward pass on the file's inputs and compares
     * {@code output}, then the gradients ({@link #modelGradients}).
     */
    private static void model(Case c, SafeTensors st, Comparison cmp, Device device) throws IOException {
        String model = st.metadata().get("model");
        if (model == null) {
            throw new IOException("a model case needs 'model' in the file's metadata");
        }
        ModelRegistry.Entry entry = ModelRegistry.get(model);
        StateDict dict = new StateDict();
        for (String n : st.names()) {
            if (n.startsWith("param.")) {
                dict.put(n.substring("param.".length()), new TensorData(st.readFloats(n), st.entry(n).shape()));
            }
        }
        long values = dict.asMap().values().stream().mapToLong(TensorData::numel).sum();
        // built within what the file's parameters hold: a small file's args cannot make it allocate for minutes
        try (Network net = entry.create(ModelArgs.parse(model, st.metadata().get("args")),
                ModelRegistry.buildBudget(values))) {
            net.loadStateDict(dict);
            if (!device.isCpu()) {
                net.to(device);
            }
            Function<String, Tensor> inputs = n -> {
                try {
                    return n.startsWith("param.") || n.startsWith("grad_") || n.equals("output") ? null : c.in(n);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            try (Tensor out = entry.forward().forward(net, inputs)) {
                c.compare(cmp, "output", out);
            }
            if (c.has("grad_output") && device.isCpu()) {
                modelGradients(c, net, cmp);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The gradients of a model case: {@code grad_output} fed back through the
     * network; compares {@code grad_target_low} / {@code grad_guide} (upsampling
     * networks) or {@code grad_unary} / {@code grad_edge_feat} (CRFs) and every
     * non-zero {@code grad_param.<key>}.
     */
    private static void modelGradients(Case c, Network net, Comparison cmp) throws IOException {
        Tensor go = c.need("grad_output");
        Map<String, Tensor> got = new HashMap<>();
        if (net instanceof TrainableUpsampler u) {
            try (Tensor out = u.forwardTrain(c.need("target_low"), c.need("guide"));
                 UpsampleGrads g = u.backward(go, true)) {
                got.put("grad_target_low", g.gradTargetLow());
                got.put("grad_guide", g.gradGuide());
                g.gradParams().forEach((k, v) -> got.put("grad_param." + k, v));
                c.compareGrads(cmp, got);
            }
        } else if (net instanceof CrfNetwork crf) {
            try (CrfGrads g = crf.gradients(c.need("unary"), c.need("edge_feat"), go)) {
                got.put("grad_unary", g.gradUnary());
                got.put("grad_edge_feat", g.gradEdgeFeat());
                g.gradParams().forEach((k, v) -> got.put("grad_param." + k, v));
                c.compareGrads(cmp, got);
            }
        } else {
            c.compareGrads(cmp, got); // every non-zero expected gradient fails as "not computed"
        }
    }

    /** name, tensor, name, tensor...: a map that allows null tensors (not computed). */
    private static Map<String, Tensor> grads(Object... nameAndTensor) {
        Map<String, Tensor> m = new HashMap<>();
        for (int i = 0; i < nameAndTensor.length; i += 2) {
            m.put((String) nameAndTensor[i], (Tensor) nameAndTensor[i + 1]);
        }
        return m;
    }

    /** The tensors of one open file, read as float32 on demand and closed together. */
    private static final class Case implements AutoCloseable {
        private final SafeTensors st;
        private final Device device;
        private final Map<String, Tensor> loaded = new HashMap<>();
        private final List<Tensor> owned = new ArrayList<>();

        Case(SafeTensors st, Device device) {
            this.st = st;
            this.device = device;
        }

        /** {@code t} (owned by this case from now on) on the case's device. */
        private Tensor place(Tensor t) {
            if (device.isCpu()) {
                owned.add(t);
                return t;
            }
            try (t) {
                Tensor d = t.to(device).named(t.name());
                owned.add(d);
                return d;
            }
        }

        boolean has(String name) {
            return st.contains(name);
        }

        Tensor in(String name) throws IOException {
            if (!st.contains(name)) {
                return null;
            }
            Tensor t = loaded.get(name);
            if (t == null) {
                t = place(st.readTensor(name).named(name));
                loaded.put(name, t);
            }
            return t;
        }

        Tensor need(String name) throws IOException {
            Tensor t = in(name);
            if (t == null) {
                throw new IOException("the file has no '" + name + "' tensor");
            }
            return t;
        }

        /** The smoothing kernel: the file's, else the one the type string defines. */
        Tensor smooth(Map<String, Object> p) throws IOException {
            Tensor t = in("smooth_kernel");
            if (t != null) {
                return t;
            }
            SmoothKernel sk = SmoothKernel.parse(Params.string(p, "smooth_kernel_type", "none"),
                    "smooth_kernel_type");
            if (sk.kind() == SmoothKernel.Kind.NONE) {
                return null;
            }
            return place(sk.createTensor());
        }

        boolean nonZero(String name) throws IOException {
            if (!st.contains(name)) {
                return false;
            }
            for (double v : st.readDoubles(name)) {
                if (v != 0) {
                    return true;
                }
            }
            return false;
        }

        Set<Grad> needs(Map<String, Grad> byName) throws IOException {
            Set<Grad> s = EnumSet.noneOf(Grad.class);
            for (Map.Entry<String, Grad> e : byName.entrySet()) {
                if (nonZero(e.getKey())) {
                    s.add(e.getValue());
                }
            }
            return s;
        }

        void compare(Comparison cmp, String name, Tensor got) throws IOException {
            if (got == null || got.device().isCpu()) {
                cmp.check(name, got, st.readDoubles(name), st.entry(name).shape());
                return;
            }
            try (Tensor host = got.to(Device.CPU)) {
                cmp.check(name, host, st.readDoubles(name), st.entry(name).shape());
            }
        }

        /** Compares every non-zero grad_* in the file (except grad_output) with what was computed. */
        void compareGrads(Comparison cmp, Map<String, Tensor> got) throws IOException {
            for (String name : st.names()) {
                if (!name.startsWith("grad_") || name.equals("grad_output") || !nonZero(name)) {
                    continue;
                }
                Tensor g = got.get(name);
                if (g == null) {
                    cmp.check(name, null, null, null);
                } else {
                    compare(cmp, name, g);
                }
            }
        }

        @Override
        public void close() {
            owned.forEach(Tensor::close);
        }
    }

    /** Reading the reference's parameter JSON. */
    static final class Params {
        private Params() {
        }

        static PacOptions options(Map<String, Object> p) {
            if (p.get("kernel_size") == null) {
                throw new IllegalArgumentException("params: missing kernel_size");
            }
            int[] k = pair(p, "kernel_size", 1, 1);
            int[] s = pair(p, "stride", 1, 1);
            int[] pad = pair(p, "padding", 0, 0);
            int[] d = pair(p, "dilation", 1, 1);
            int[] op = pair(p, "output_padding", 0, 0);
            return PacOptions.builder(k[0], k[1]).stride(s[0], s[1]).padding(pad[0], pad[1]).dilation(d[0], d[1])
                    .outputPadding(op[0], op[1])
                    .kernelType(KernelType.parse(string(p, "kernel_type", "gaussian"), "kernel_type"))
                    .channelWise(bool(p, "channel_wise", false))
                    .normalizeKernel(bool(p, "normalize_kernel", false))
                    .transposed(bool(p, "transposed", false))
                    .sharedFilters(bool(p, "shared_filters", false))
                    .build();
        }

        /** An int or a [h, w] list, each in {@code min..2^31-1}; {@code dflt} when absent. */
        static int[] pair(Map<String, Object> p, String key, int dflt, int min) {
            Object v = p.get(key);
            if (v == null) {
                return new int[] {dflt, dflt};
            }
            if (v instanceof Long n) {
                int i = inRange(key, n, min);
                return new int[] {i, i};
            }
            if (v instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Long a && l.get(1) instanceof Long b) {
                return new int[] {inRange(key, a, min), inRange(key, b, min)};
            }
            throw new IllegalArgumentException("params: " + key + " must be an integer or a pair, got " + v);
        }

        private static int inRange(String key, long v, int min) {
            if (v < min || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("params: " + key + " must be in " + min + "..2^31-1, got " + v);
            }
            return (int) v;
        }

        static boolean bool(Map<String, Object> p, String key, boolean dflt) {
            return typed(p, key, dflt, Boolean.class, "a boolean");
        }

        static String string(Map<String, Object> p, String key, String dflt) {
            return typed(p, key, dflt, String.class, "a string");
        }

        /** p[key] as a {@code type}, {@code dflt} when absent. */
        private static <T> T typed(Map<String, Object> p, String key, T dflt, Class<T> type, String what) {
            Object v = p.get(key);
            if (v == null) {
                return dflt;
            }
            if (type.isInstance(v)) {
                return type.cast(v);
            }
            throw new IllegalArgumentException("params: " + key + " must be " + what + ", got " + v);
        }
    }
}
