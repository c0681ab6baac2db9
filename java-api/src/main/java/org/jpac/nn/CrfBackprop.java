package org.jpac.nn;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpac.Tensor;

/**
 * The backward pass of the CRFs' mean-field steps: what a step keeps
 * ({@link StepTape}), the step's backward, and the edge features' gradient from
 * the edge kernels' gradients. Gradients are summed in a {@link GradAcc} under
 * the parameters' state-dict keys, {@link #UNARY_GRAD}, {@link #EDGE_GRAD} and
 * {@link #kernelKey}.
 */
final class CrfBackprop {

    private CrfBackprop() {
    }

    /** What one step keeps for its backward pass. */
    static final class StepTape implements AutoCloseable {
        final Map<Integer, Tensor> qBlur = new HashMap<>();
        Tensor[] pre;
        Tensor[] message;

        @Override
        public void close() {
            PacCRF.closeAll(qBlur.values());
            if (pre != null) {
                PacCRF.closeAll(java.util.Arrays.asList(pre));
                PacCRF.closeAll(java.util.Arrays.asList(message));
            }
        }
    }

    static final String UNARY_GRAD = "@unary";
    static final String EDGE_GRAD = "@edge";

    static String kernelKey(int i) {
        return "@kernel." + i;
    }

    /** The grads from acc (zeros for learnable tensors without one), as a CrfGrads. */
    static CrfGrads collectGrads(GradAcc acc, Tensor edgeFeat, Map<String, Tensor> learnable) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        Tensor gu = acc.take(UNARY_GRAD);
        Tensor ge = acc.take(EDGE_GRAD);
        try {
            if (ge == null) {
                ge = Tensor.zerosLike(edgeFeat);
            }
            for (Map.Entry<String, Tensor> e : learnable.entrySet()) {
                Tensor t = acc.take(e.getKey());
                params.put(e.getKey(), t != null ? t : Tensor.zerosLike(e.getValue()));
            }
            return new CrfGrads(gu, ge, params);
        } catch (RuntimeException | Error e) {
            if (gu != null) {
                gu.close();
            }
            if (ge != null) {
                ge.close();
            }
            PacCRF.closeAll(params.values());
            throw e;
        }
    }

    /**
     * Backward of one step: from g = dL/d(logQ out) adds the parameter gradients
     * (under {@code prefix}), the unary's and the edge kernels' to acc; returns
     * dL/d(logQ in).
     */
    static Tensor stepBackward(PacCRF crf, Tensor unary, double uw, StepTape tape, List<Tensor> kernels, Tensor g,
                               GradAcc acc, String prefix) {
        List<CrfPairwise> terms = crf.terms();
        acc.add(UNARY_GRAD, StdOps.scale(g, uw));
        if (crf.learnsUnaryWeight()) {
            acc.addScalar(prefix + "unary_weight", GradAcc.dot(g, unary));
        }
        Map<Integer, Tensor> gBlur = new HashMap<>();
        try {
            for (int i = 0; i < terms.size(); i++) {
                CrfPairwise t = terms.get(i);
                if (t.useParameter) {
                    acc.addScalar(prefix + "pairwise_weights." + i, -GradAcc.dot(g, tape.message[i]));
                }
                Tensor qb = tape.qBlur.get(t.blur());
                try (Tensor gMsg = StdOps.scale(g, -t.weight());
                     Tensor gSmall = BlurPool.upBackward(gMsg, t.blur(), qb.dim(2), qb.dim(3))) {
                    Tensor gq = t.messageBackward(qb, kernels.get(i), tape.pre[i], gSmall, acc, prefix, i,
                            kernelKey(i));
                    Tensor old = gBlur.putIfAbsent(t.blur(), gq);
                    if (old != null) {
                        try (gq) {
                            StdOps.addInPlace(old, gq);
                        }
                    }
                }
            }
            Tensor q = tape.qBlur.get(1);
            try (Tensor gq = Tensor.zerosLike(q)) {
                for (Map.Entry<Integer, Tensor> e : gBlur.entrySet()) {
                    try (Tensor up = BlurPool.downBackward(e.getValue(), e.getKey(), q.dim(2), q.dim(3))) {
                        StdOps.addInPlace(gq, up);
                    }
                }
                return StdOps.softmaxBackward(q, gq, false);
            }
        } finally {
            PacCRF.closeAll(gBlur.values());
        }
    }

    /** Term i's gradient for its (blurred) edge features, through its guide projection if it has one. */
    private static Tensor edgeKernelBackward(GuideProjections gp, int i, CrfPairwise t, Tensor feat, Tensor gk,
                                             GradAcc acc) {
        if (gp == null) {
            return t.edgeKernelBackward(feat, gk);
        }
        try (Tensor projected = gp.project(i, feat); Tensor gProjected = t.edgeKernelBackward(projected, gk)) {
            return gp.backward(i, feat, gProjected, acc);
        }
    }

    /** Adds the edge features' gradient (from the edge kernels' gradients in acc) to acc. */
    static void edgeBackward(PacCRF crf, Tensor edgeFeat, List<Tensor> kernels, GradAcc acc) {
        List<CrfPairwise> terms = crf.terms();
        Map<Integer, Tensor> pooled = new HashMap<>();
        Map<Integer, Tensor> gPooled = new HashMap<>();
        try {
            for (int i = 0; i < terms.size(); i++) {
                CrfPairwise t = terms.get(i);
                Tensor gk = acc.get(kernelKey(i));
                if (!t.needsEdgeKernel() || gk == null) {
                    continue;
                }
                Tensor feat = t.blur() == 1 ? edgeFeat
                        : pooled.computeIfAbsent(t.blur(), b -> BlurPool.down(edgeFeat, b));
                Tensor gf = edgeKernelBackward(crf.projections(), i, t, feat, gk, acc);
                Tensor old = gPooled.putIfAbsent(t.blur(), gf);
                if (old != null) {
                    try (gf) {
                        StdOps.addInPlace(old, gf);
                    }
                }
            }
            for (Map.Entry<Integer, Tensor> e : gPooled.entrySet()) {
                acc.add(EDGE_GRAD, BlurPool.downBackward(e.getValue(), e.getKey(), edgeFeat.dim(2), edgeFeat.dim(3)));
            }
        } finally {
            PacCRF.closeAll(pooled.values());
            PacCRF.closeAll(gPooled.values());
        }
    }
}
