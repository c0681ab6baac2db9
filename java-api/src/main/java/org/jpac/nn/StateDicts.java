package org.jpac.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;

/** Loading a {@link StateDict} into a network's tensors, with every problem reported at once. */
public final class StateDicts {

    private StateDicts() {
    }

    /** Loads {@code dict} into {@code net.parameters()}, ignoring {@code net.optionalKeys()}. */
    public static void load(Network net, StateDict dict) {
        load(net.getClass().getSimpleName(), net.parameters(), net.optionalKeys(), dict);
    }

    /**
     * Copies {@code dict} into {@code mine} (key to the network's tensor). A key of
     * {@code optional} may be absent from or present in the dict and is ignored.
     * A rank-0 entry fits a [1] tensor and a [1] entry a scalar. Checks everything
     * first and throws one {@link IllegalArgumentException} naming every missing,
     * unexpected and mis-shaped key; nothing is copied then.
     */
    public static void load(String what, Map<String, Tensor> mine, Set<String> optional, StateDict dict) {
        if (dict == null) {
            throw new NullPointerException("dict: must not be null");
        }
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            TensorData t = dict.get(e.getKey());
            if (t == null) {
                missing.add("missing key '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue().shape()) + ")");
            } else if (!fits(t, e.getValue())) {
                wrong.add("key '" + e.getKey() + "' has shape " + t.shapeString() + ", expected "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        for (Map.Entry<String, TensorData> e : dict.asMap().entrySet()) {
            if (!mine.containsKey(e.getKey()) && !optional.contains(e.getKey())) {
                unexpected.add("unexpected key '" + e.getKey() + "' (shape " + e.getValue().shapeString() + ")");
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrong.isEmpty()) {
            StringBuilder b = new StringBuilder("state dict does not match ").append(what).append(" (")
                    .append(missing.size()).append(" missing, ").append(unexpected.size()).append(" unexpected, ")
                    .append(wrong.size()).append(" with the wrong shape):");
            for (List<String> l : List.of(missing, unexpected, wrong)) {
                for (String s : l) {
                    b.append("\n  ").append(s);
                }
            }
            throw new IllegalArgumentException(b.toString());
        }
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            e.getValue().copyFrom(dict.get(e.getKey()).data());
        }
    }

    private static boolean fits(TensorData t, Tensor dst) {
        if (t.hasShape(dst.shape())) {
            return true;
        }
        boolean scalarT = t.rank() == 0 || (t.rank() == 1 && t.numel() == 1);
        boolean scalarD = dst.rank() == 1 && dst.dim(0) == 1;
        return scalarT && scalarD;
    }

    /** The names and shapes of a network's state dict, in order. */
    public static Map<String, long[]> shapes(Network net) {
        Map<String, long[]> m = new LinkedHashMap<>();
        net.parameters().forEach((k, v) -> m.put(k, v.shape()));
        return m;
    }
}
