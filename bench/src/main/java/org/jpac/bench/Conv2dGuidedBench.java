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
 * Guided pixel-adaptive convolution ({@code K} computed from an 8-channel guide
 * with the gaussian kernel, fused) against the plain oneDNN convolution of the
 * same shape: input 1x32xSxS, 32 -> 32 channels, 5x5, padding 2.
 *
 * <p>Forward goes through the public {@code Pac.*Into} API (its shape checks
 * included). Backward calls the same native entry points with gradient tensors
 * allocated once, because the public backward allocates its results: PAC
 * computes the gradients for input, guide, weight and bias; the baseline for
 * input (data), weight and bias.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Conv2dGuidedBench {

    static final int CHANNELS = 32;
    static final int GUIDE_CHANNELS = 8;
    static final int KERNEL = 5;

    /** Height and width of the input. */
    @Param({"256"})
    public int size;

    private final PacOptions opts = PacOptions.builder(KERNEL).padding(KERNEL / 2).build();
    private Tensor input, guide, weight, bias, output, gradOutput;
    private Tensor gradInput, gradGuide, gradWeight, gradBias;

    @Setup(Level.Trial)
    public void setUp() {
        input = Fixtures.random(1, 1f, 1, CHANNELS, size, size);
        guide = Fixtures.random(2, 1f, 1, GUIDE_CHANNELS, size, size);
        weight = Fixtures.random(3, 0.05f, CHANNELS, CHANNELS, KERNEL, KERNEL);
        bias = Fixtures.random(4, 0.1f, CHANNELS);
        output = Tensor.allocate(1, CHANNELS, size, size);
        gradOutput = Fixtures.random(5, 1f, 1, CHANNELS, size, size);
        gradInput = Tensor.zerosLike(input);
        gradGuide = Tensor.zerosLike(guide);
        gradWeight = Tensor.zerosLike(weight);
        gradBias = Tensor.zerosLike(bias);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Fixtures.closeAll(input, guide, weight, bias, output, gradOutput, gradInput, gradGuide, gradWeight, gradBias);
    }

    @Benchmark
    public Tensor pacForward() {
        return Pac.conv2dGuidedInto(input, guide, null, null, null, weight, bias, opts, output);
    }

    @Benchmark
    public Tensor stdForward() {
        return Pac.stdConv2dInto(input, weight, bias, opts, output);
    }

    @Benchmark
    public Tensor pacBackward() {
        NativeCalls.conv2dGuidedBackward(opts, false, input, guide, null, null, null, weight, gradOutput,
                gradInput, gradGuide, gradWeight, gradBias, null, null, null);
        return gradGuide;
    }

    @Benchmark
    public Tensor stdBackward() {
        NativeCalls.stdConv2dBackward(opts, input, weight, gradOutput, gradInput, gradWeight, gradBias);
        return gradWeight;
    }
}
