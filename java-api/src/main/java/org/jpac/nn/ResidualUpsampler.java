package org.jpac.nn;

import java.util.Map;
import java.util.Set;

import org.jpac.Device;
import org.jpac.Tensor;

/**
 * What the upsamplers that add a fixed upsampling to a wrapped network's output
 * ({@link BilinearResidual}, {@link JbuResidual}) share: the wrapped network, whose
 * factor, state dict and learnable parameters are theirs (so their weights load
 * into the bare network).
 */
abstract class ResidualUpsampler implements TrainableUpsampler {

    /** The network that predicts the correction. */
    protected final TrainableUpsampler net;

    /** Wraps {@code net}; throws NullPointerException if it is null. */
    ResidualUpsampler(TrainableUpsampler net) {
        if (net == null) {
            throw new NullPointerException("net");
        }
        this.net = net;
    }

    /** The wrapped network. */
    public TrainableUpsampler inner() {
        return net;
    }

    @Override
    public int factor() {
        return net.factor();
    }

    @Override
    public Map<String, Tensor> parameters() {
        return net.parameters();
    }

    @Override
    public Set<String> optionalKeys() {
        return net.optionalKeys();
    }

    @Override
    public Map<String, Tensor> learnableParameters() {
        return net.learnableParameters();
    }

    /** Moves the wrapped network (the skip has no tensors of its own). */
    @Override
    public void to(Device device) {
        net.to(device);
    }
}
