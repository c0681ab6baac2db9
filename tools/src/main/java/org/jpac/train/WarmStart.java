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
 * model can start a 4x or 16x one. A convolution that takes more input channels
 * than the file's (the guide branch under the JBU skip, which adds a channel)
 * gets the file's weights for the first channels and zero for the others, so it
 * starts by computing what it computed before. The optimizer starts afresh.
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
            } else if (d != null && moreInputChannels(e.getValue().shape(), d.shape())) {
                e.getValue().copyFrom(widened(d.data(), d.shape(), e.getValue().shape()));
                copied++;
            }
        }
        if (copied == 0) {
            throw new IllegalArgumentException("init: " + source + " has no tensor of the network's keys and shapes");
        }
        return copied;
    }

    /** A conv weight [out, in, kh, kw] with the same shape but more input channels than the file's. */
    private static boolean moreInputChannels(long[] net, long[] file) {
        return net.length == 4 && file.length == 4 && net[0] == file[0] && net[1] > file[1] && net[2] == file[2]
                && net[3] == file[3];
    }

    /** The file's weights in the first input channels, zero in the rest. */
    private static float[] widened(float[] data, long[] file, long[] net) {
        int k = Math.toIntExact(file[2] * file[3]);
        int in = Math.toIntExact(file[1]);
        int wide = Math.toIntExact(net[1]);
        float[] out = new float[Math.toIntExact(net[0] * wide * k)];
        for (int o = 0; o < net[0]; o++) {
            System.arraycopy(data, o * in * k, out, o * wide * k, in * k);
        }
        return out;
    }
}
