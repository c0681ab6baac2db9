package org.jpac.train;

import java.util.Arrays;
import java.util.Map;

import org.jpac.Tensor;
import org.jpac.io.StateDict;
import org.jpac.io.TensorData;
import org.jpac.nn.TrainableUpsampler;

/**
 * Starting a training run from another model's weights ({@code jpac train
 * --init FILE}): every tensor of the network whose key and shape the file has
 * is copied, the others keep their seeded initial values. A PacJointUpsample of
 * another factor shares all but its extra or missing upsampling stage, so an 8x
 * model can start a 4x or 16x one. The optimizer starts afresh.
 */
final class WarmStart {

    private WarmStart() {
    }

    /**
     * Copies the matching tensors of {@code dict} into {@code net}.
     *
     * @return how many of the network's tensors were copied
     * @throws IllegalArgumentException if none matches
     */
    static int apply(TrainableUpsampler net, StateDict dict, String source) {
        int copied = 0;
        for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
            TensorData d = dict.asMap().get(e.getKey());
            if (d != null && Arrays.equals(d.shape(), e.getValue().shape())) {
                e.getValue().copyFrom(d.data());
                copied++;
            }
        }
        if (copied == 0) {
            throw new IllegalArgumentException("init: " + source + " has no tensor of the network's keys and shapes");
        }
        return copied;
    }
}
