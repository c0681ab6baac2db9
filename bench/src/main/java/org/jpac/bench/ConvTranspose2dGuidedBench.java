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
 * Guided pixel-adaptive transposed convolution as used for joint upsampling:
 * input 1x32xSxS upsampled 2x to 2S (5x5, stride 2, padding 2, output padding 1),
 * guide 8 channels at the output size. There is no standard transposed
 * convolution in the C ABI; the baseline is the plain oneDNN convolution
 * 32 -> 32, 5x5 over the SxS input, which has the same multiply-adds as a dense
 * transposed convolution of this shape (each input pixel meets 25 taps).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConvTranspose2dGuidedBench {

    static final int CHANNELS = 32;
    static final int GUIDE_CHANNELS = 8;
    static final int KERNEL = 5;

    /** Height and width of the (low-resolution) input; the output is twice that. */
    @Param({"128"})
    public int size;

    private final PacOptions tOpts = PacOptions.builder(KERNEL).stride(2).padding(KERNEL / 2).outputPadding(1)
            .transposed(true).build();
    private final PacOptions stdOpts = PacOptions.builder(KERNEL).padding(KERNEL / 2).build();
    private Tensor input, guide, weight, bias, output, gradOutput;
    private Tensor gradInput, gradGuide, gradWeight, gradBias;
    private Tensor stdWeight, stdOutput, stdGradOutput, stdGradWeight;

    @Setup(Level.Trial)
    public void setUp() {
        int out = 2 * size;
        input = Fixtures.random(11, 1f, 1, CHANNELS, size, size);
        guide = Fixtures.random(12, 1f, 1, GUIDE_CHANNELS, out, out);
        weight = Fixtures.random(13, 0.05f, CHANNELS, CHANNELS, KERNEL, KERNEL); // [Ci, Co, k, k]
        bias = Fixtures.random(14, 0.1f, CHANNELS);
        output = Tensor.allocate(1, CHANNELS, out, out);
        gradOutput = Fixtures.random(15, 1f, 1, CHANNELS, out, out);
        gradInput = Tensor.zerosLike(input);
        gradGuide = Tensor.zerosLike(guide);
        gradWeight = Tensor.zerosLike(weight);
        gradBias = Tensor.zerosLike(bias);
        stdWeight = Fixtures.random(16, 0.05f, CHANNELS, CHANNELS, KERNEL, KERNEL);
        stdOutput = Tensor.allocate(1, CHANNELS, size, size);
        stdGradOutput = Fixtures.random(17, 1f, 1, CHANNELS, size, size);
        stdGradWeight = Tensor.zerosLike(stdWeight);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Fixtures.closeAll(input, guide, weight, bias, output, gradOutput, gradInput, gradGuide, gradWeight, gradBias,
                stdWeight, stdOutput, stdGradOutput, stdGradWeight);
    }

    @Benchmark
    public Tensor pacForward() {
        return Pac.convTranspose2dGuidedInto(input, guide, null, null, null, weight, bias, tOpts, output);
    }

    @Benchmark
    public Tensor stdForward() {
        return Pac.stdConv2dInto(input, stdWeight, bias, stdOpts, stdOutput);
    }

    @Benchmark
    public Tensor pacBackward() {
        NativeCalls.conv2dGuidedBackward(tOpts, true, input, guide, null, null, null, weight,
                gradOutput, gradInput, gradGuide, gradWeight, gradBias, null, null, null);
        return gradGuide;
    }

    @Benchmark
    public Tensor stdBackward() {
        NativeCalls.stdConv2dBackward(stdOpts, input, stdWeight, stdGradOutput, gradInput, stdGradWeight, gradBias);
        return stdGradWeight;
    }
}
