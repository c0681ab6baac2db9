package org.jpac;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jpac.grad.Kernel2dGrads;
import org.jpac.internal.DeviceMoves;
import org.jpac.internal.Results;

/**
 * What the PAC layers share: options, parameters (weight, bias, inv alpha and
 * lambda, smoothing kernel), their gradients, and the reference's state-dict
 * names ({@code weight}, {@code bias}, {@code inv_alpha}, {@code inv_lambda},
 * {@code smooth_kernel}).
 *
 * <p>The layer owns its parameters and gradients. {@code backward} writes (does
 * not accumulate) the gradients, replacing those of the previous call; the
 * input and guide given to {@code forward} must stay open until
 * {@code backward}. Not thread-safe: one thread per layer.
 */
public abstract class PacLayer implements AutoCloseable {

    /** The layer's options (kernel geometry and type). */
    protected final PacOptions options;
    /** The smoothing applied to the guide before taking the centre feature. */
    protected final SmoothKernel smoothType;
    /** The input channels (-1 for pooling). */
    protected final int inChannels;
    /** The output channels (for pooling, the input channels given to its builder, or -1). */
    protected final int outChannels;

    /** The convolution weight, or null for pooling. */
    protected Tensor weight;
    /** Whether {@link #weight} is a learnable parameter (listed by {@link #parameters()}). */
    protected boolean weightLearnable;
    /** The bias {@code [Co]}, or null when the layer has none. */
    protected Tensor bias;
    /** The inv kernels' alpha {@code [1]} or {@code [C]} (learnable channel-wise), or null for other kernel types. */
    protected Tensor invAlpha;
    /** The inv kernels' lambda {@code [1]} or {@code [C]} (learnable channel-wise), or null for other kernel types. */
    protected Tensor invLambda;
    /** The smoothing kernel {@code [1, 1, m, m]}, or null for {@link SmoothKernel#NONE}. */
    protected Tensor smoothKernel;

    private final Map<String, Tensor> grads = new LinkedHashMap<>();
    /** The input of the last forward, kept for backward (not owned). */
    protected Tensor lastInput;
    /** The guide of the last forward, kept for backward (not owned), or null after a forward with a given kernel. */
    protected Tensor lastGuide;
    /** The kernel given to the last forward, kept for backward (not owned), or null after a guided forward. */
    protected Tensor lastKernel;
    private boolean closed;

    /**
     * Sets up the options, the inv kernels' alpha and lambda (filled with the kernel type's constants) and the
     * smoothing kernel; the subclass creates the weight and bias.
     *
     * @param options the layer's options
     * @param smoothType the guide's smoothing
     * @param inChannels the input channels
     * @param outChannels the output channels
     * @param invChannels the number of alpha and lambda values for learnable channel-wise inv kernels
     * @throws IllegalArgumentException if learnable channel-wise inv kernels get {@code invChannels} below 1
     */
    protected PacLayer(PacOptions options, SmoothKernel smoothType, int inChannels, int outChannels,
                       int invChannels) {
        this.options = options;
        this.smoothType = smoothType;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        KernelType kt = options.kernelType();
        if (kt.isInv()) {
            // learnable channel-wise params are per channel; otherwise one value
            long n = options.channelWise() && kt.learnable() ? invChannels : 1;
            if (n < 1) {
                throw new IllegalArgumentException("outChannels: needed (> 0) for channel-wise " + kt + " kernels");
            }
            invAlpha = filled(n, (float) kt.alpha());
            invLambda = filled(n, (float) kt.lambda());
        }
        smoothKernel = smoothType.createTensor();
    }

    private static Tensor filled(long n, float v) {
        Tensor t = Tensor.allocate(n);
        t.fill(v);
        return t;
    }

    /** The layer's options. */
    public PacOptions options() {
        return options;
    }

    /** The smoothing applied to the guide. */
    public SmoothKernel smoothKernelType() {
        return smoothType;
    }

    /** The input channels (-1 for pooling). */
    public int inChannels() {
        return inChannels;
    }

    /** The output channels (for pooling, the input channels given to its builder, or -1). */
    public int outChannels() {
        return outChannels;
    }

    /** The weight (layer-owned), or null for pooling. */
    public Tensor weight() {
        return weight;
    }

    /** The bias (layer-owned), or null. */
    public Tensor bias() {
        return bias;
    }

    /** The inv kernels' alpha (layer-owned), or null for other kernel types. */
    public Tensor invAlpha() {
        return invAlpha;
    }

    /** The inv kernels' lambda (layer-owned), or null for other kernel types. */
    public Tensor invLambda() {
        return invLambda;
    }

    /** The smoothing kernel {@code [1, 1, m, m]} (layer-owned), or null for {@link SmoothKernel#NONE}. */
    public Tensor smoothKernel() {
        return smoothKernel;
    }

    /** Learnable tensors by state-dict name. */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (weight != null && weightLearnable) {
            m.put("weight", weight);
        }
        if (bias != null) {
            m.put("bias", bias);
        }
        if (options.kernelType().learnable()) {
            m.put("inv_alpha", invAlpha);
            m.put("inv_lambda", invLambda);
        }
        if (smoothType.learnable()) {
            m.put("smooth_kernel", smoothKernel);
        }
        return m;
    }

    /** Every tensor of the state dict (parameters and fixed buffers) by name. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        put(m, "weight", weight);
        put(m, "bias", bias);
        put(m, "inv_alpha", invAlpha);
        put(m, "inv_lambda", invLambda);
        put(m, "smooth_kernel", smoothKernel);
        return m;
    }

    private static void put(Map<String, Tensor> m, String k, Tensor t) {
        if (t != null) {
            m.put(k, t);
        }
    }

    /**
     * Copies values into this layer's tensors, by state-dict name; element
     * counts must match (a scalar may fill a [1] tensor). Unknown names throw.
     */
    public void loadStateDict(Map<String, Tensor> values) {
        Map<String, Tensor> mine = stateDict();
        for (Map.Entry<String, Tensor> e : values.entrySet()) {
            Tensor dst = mine.get(e.getKey());
            if (dst == null) {
                throw new IllegalArgumentException(e.getKey() + ": this layer has no such tensor (has "
                        + mine.keySet() + ")");
            }
            Tensor src = e.getValue();
            if (src.numel() != dst.numel()
                    || (src.numel() > 1 && !java.util.Arrays.equals(src.shape(), dst.shape()))) {
                throw new IllegalArgumentException(e.getKey() + ": expected shape "
                        + java.util.Arrays.toString(dst.shape()) + ", got " + java.util.Arrays.toString(src.shape()));
            }
            dst.copyFrom(src.toArray());
        }
    }

    /** Gradient of a parameter from the last backward (layer-owned), or null. */
    public Tensor grad(String name) {
        return grads.get(name);
    }

    /** All gradients of the last backward by state-dict name (plus "input" and "guide" or "kernel"). */
    public Map<String, Tensor> grads() {
        return new LinkedHashMap<>(grads);
    }

    /** Gradient of the weight from the last backward (layer-owned), or null. */
    public Tensor gradWeight() {
        return grads.get("weight");
    }

    /** Gradient of the bias from the last backward (layer-owned), or null. */
    public Tensor gradBias() {
        return grads.get("bias");
    }

    /** Gradient of alpha from the last backward (layer-owned), or null. */
    public Tensor gradInvAlpha() {
        return grads.get("inv_alpha");
    }

    /** Gradient of lambda from the last backward (layer-owned), or null. */
    public Tensor gradInvLambda() {
        return grads.get("inv_lambda");
    }

    /** Gradient of the smoothing kernel from the last backward (layer-owned), or null. */
    public Tensor gradSmoothKernel() {
        return grads.get("smooth_kernel");
    }

    /** Gradient for the guide of the last backward (layer-owned), or null. */
    public Tensor gradGuide() {
        return grads.get("guide");
    }

    /** Frees the gradients of the last backward. */
    public void zeroGrad() {
        grads.values().forEach(Tensor::close);
        grads.clear();
    }

    /** Replaces all gradients with the given ones (null tensors skipped). */
    protected void setGrads(Object... nameAndTensor) {
        zeroGrad();
        putGrads(nameAndTensor);
    }

    /** Replaces only the named gradients (the kernel's backward after the convolution's). */
    protected void putGrads(Object... nameAndTensor) {
        for (int i = 0; i < nameAndTensor.length; i += 2) {
            if (nameAndTensor[i + 1] != null) {
                Tensor old = grads.put((String) nameAndTensor[i], (Tensor) nameAndTensor[i + 1]);
                if (old != null) {
                    old.close();
                }
            }
        }
    }

    /** The gradients backward should compute for the kernel's parameters. */
    protected Set<Grad> paramNeeds() {
        Set<Grad> s = EnumSet.noneOf(Grad.class);
        if (options.kernelType().learnable()) {
            s.add(Grad.INV_ALPHA);
            s.add(Grad.INV_LAMBDA);
        }
        if (smoothType.learnable()) {
            s.add(Grad.SMOOTH_KERNEL);
        }
        return s;
    }

    /** K = kernel2d(guide) with this layer's options and parameters (and the output mask for a mask). */
    public Kernel2dResult computeKernel(Tensor guide, Tensor mask) {
        checkOpen();
        return Pac.kernel2d(guide, invAlpha, invLambda, smoothKernel, mask, options);
    }

    /**
     * Backward of {@link #computeKernel}: stores the gradients of alpha, lambda
     * and a learnable smoothing kernel (replacing the previous ones) and returns
     * the guide's gradient (layer-owned).
     */
    public Tensor computeKernelBackward(Tensor guide, Tensor mask, Tensor gradKernel) {
        checkOpen();
        Set<Grad> needs = paramNeeds();
        needs.add(Grad.GUIDE);
        Kernel2dGrads g = Pac.kernel2dBackward(guide, invAlpha, invLambda, smoothKernel, mask, gradKernel,
                options, needs);
        putGrads("guide", g.gradGuide(), "inv_alpha", g.gradInvAlpha(), "inv_lambda", g.gradInvLambda(),
                "smooth_kernel", g.gradSmoothKernel());
        return g.gradGuide();
    }

    /**
     * Moves the layer's tensors (weight, bias, inv alpha and lambda, smoothing
     * kernel) to {@code device}, in place as PyTorch's {@code module.to} does:
     * the tensors {@link #parameters()} returned before are closed, and forward
     * then takes tensors on that device. Not while another thread runs the layer.
     *
     * @param device where the tensors go
     */
    public void to(Device device) {
        checkOpen();
        weight = DeviceMoves.moved(weight, device);
        bias = DeviceMoves.moved(bias, device);
        invAlpha = DeviceMoves.moved(invAlpha, device);
        invLambda = DeviceMoves.moved(invLambda, device);
        smoothKernel = DeviceMoves.moved(smoothKernel, device);
    }

    /** Throws {@link IllegalStateException} if the layer is closed. */
    protected void checkOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    /** Keeps the forward's tensors for backward (not owned; the caller keeps them open). */
    protected void remember(Tensor input, Tensor guide, Tensor kernel) {
        lastInput = input;
        lastGuide = guide;
        lastKernel = kernel;
    }

    /** Throws {@link IllegalStateException} if backward is called before any forward. */
    protected void needForward() {
        if (lastInput == null) {
            throw new IllegalStateException("backward: call forward first");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        zeroGrad();
        Results.close(weight, bias, invAlpha, invLambda, smoothKernel);
        lastInput = lastGuide = lastKernel = null;
    }
}
