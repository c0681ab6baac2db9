package org.jpac.bench;

import java.util.concurrent.TimeUnit;

import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.NativeCalls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Guided pixel-adaptive pooling: input 1x32xSxS, 5x5, padding 2, one gaussian
 * kernel from an 8-channel guide shared by all 32 channels (no channel mixing).
 * Baseline: the plain oneDNN convolution with the same input and output,
 * 32 -> 32 channels, 5x5 (the layer a PAC pooling would stand next to; it does
 * 32x the multiply-adds of the pooling). A 1 -> 1 channel convolution over the
 * data viewed as 32x1xSxS would match the multiply-adds, but oneDNN pads its
 * single channel to 8 (blocked layouts), which makes it a misleading baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Pool2dGuidedBench {

    static final int CHANNELS = 32;
    static final int GUIDE_CHANNELS = 8;
    static final int KERNEL = 5;

    @Param({"256"})
    public int size;

    private final PacOptions opts = PacOptions.builder(KERNEL).padding(KERNEL / 2).build();
    private Tensor input, guide, output, gradOutput, gradInput, gradGuide, weight, gradWeight;

    @Setup(Level.Trial)
    public void setUp() {
        input = Fixtures.random(21, 1f, 1, CHANNELS, size, size);
        guide = Fixtures.random(22, 1f, 1, GUIDE_CHANNELS, size, size);
        output = Tensor.allocate(1, CHANNELS, size, size);
        gradOutput = Fixtures.random(23, 1f, 1, CHANNELS, size, size);
        gradInput = Tensor.zerosLike(input);
        gradGuide = Tensor.zerosLike(guide);
        weight = Fixtures.random(24, 0.05f, CHANNELS, CHANNELS, KERNEL, KERNEL);
        gradWeight = Tensor.zerosLike(weight);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Fixtures.closeAll(input, guide, output, gradOutput, gradInput, gradGuide, weight, gradWeight);
    }

    @Benchmark
    public Tensor pacForward() {
        return Pac.pool2dGuidedInto(input, guide, null, null, null, opts, output);
    }

    @Benchmark
    public Tensor stdForward() {
        return Pac.stdConv2dInto(input, weight, null, opts, output);
    }

    @Benchmark
    public Tensor pacBackward() {
        NativeCalls.pool2dGuidedBackward(opts, input, guide, null, null, null, gradOutput, gradInput, gradGuide,
                null, null, null);
        return gradGuide;
    }

    @Benchmark
    public Tensor stdBackward() {
        NativeCalls.stdConv2dBackward(opts, input, weight, gradOutput, gradInput, gradWeight, null);
        return gradWeight;
    }
}
