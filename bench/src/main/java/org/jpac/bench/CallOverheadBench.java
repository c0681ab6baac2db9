package org.jpac.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.jpac.Jpac;
import org.jpac.Pac;
import org.jpac.PacOptions;
import org.jpac.Tensor;
import org.jpac.internal.NativeCalls;
import org.jpac.internal.ffi.JpacNative;
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
 * What a call from Java costs on a tiny operation: a guided PAC (and a plain
 * convolution) on 1x8x16x16, 8 -> 8 channels, 3x3, padding 1, 8 guide channels,
 * and the native no-op {@code jpac_noop}, each called twice over:
 * <ul>
 *   <li>{@code api*}: through the public Java API (argument checks, one arena
 *       holding the native structs, status check);</li>
 *   <li>{@code raw*}: a bare downcall of the generated binding with structs built
 *       once in setup: the native time of the operation plus the downcall itself.</li>
 * </ul>
 * {@code api - raw} is the Java layer's overhead per call; {@code rawNoop} is
 * the floor of any downcall. The tiny ops run on one CPU thread ({@code threads}
 * parameter): at this size two OpenMP threads only add barrier time, which on a
 * busy machine varies by more than the whole Java overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CallOverheadBench {

    static final int SIZE = 16;
    static final int CHANNELS = 8;
    static final int GUIDE_CHANNELS = 8;
    static final int KERNEL = 3;

    /** CPU threads for the tiny ops (0: the library's default). */
    @Param({"1"})
    public int threads;

    private final PacOptions opts = PacOptions.builder(KERNEL).padding(KERNEL / 2).build();
    private Tensor input, guide, weight, bias, output;
    private Arena arena;
    private MemorySegment rOpts, rInput, rGuide, rWeight, rBias, rOutput;

    @Setup(Level.Trial)
    public void setUp() {
        Jpac.setThreads(threads);
        input = Fixtures.random(31, 1f, 1, CHANNELS, SIZE, SIZE);
        guide = Fixtures.random(32, 1f, 1, GUIDE_CHANNELS, SIZE, SIZE);
        weight = Fixtures.random(33, 0.1f, CHANNELS, CHANNELS, KERNEL, KERNEL);
        bias = Fixtures.random(34, 0.1f, CHANNELS);
        output = Tensor.allocate(1, CHANNELS, SIZE, SIZE);
        arena = Arena.ofShared();
        rOpts = Fixtures.rawOptions(arena, opts);
        rInput = Fixtures.rawTensor(arena, input);
        rGuide = Fixtures.rawTensor(arena, guide);
        rWeight = Fixtures.rawTensor(arena, weight);
        rBias = Fixtures.rawTensor(arena, bias);
        rOutput = Fixtures.rawTensor(arena, output);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        Fixtures.closeAll(input, guide, weight, bias, output);
    }

    @Benchmark
    public Tensor apiConvGuided() {
        return Pac.conv2dGuidedInto(input, guide, null, null, null, weight, bias, opts, output);
    }

    @Benchmark
    public int rawConvGuided() {
        int s = JpacNative.jpac_conv2d_guided_forward(rOpts, rInput, rGuide, MemorySegment.NULL, MemorySegment.NULL,
                MemorySegment.NULL, rWeight, rBias, rOutput);
        Fixtures.check(s, "jpac_conv2d_guided_forward");
        return s;
    }

    @Benchmark
    public Tensor apiStdConv() {
        return Pac.stdConv2dInto(input, weight, bias, opts, output);
    }

    @Benchmark
    public int rawStdConv() {
        int s = JpacNative.jpac_std_conv2d_forward(rOpts, rInput, rWeight, rBias, rOutput);
        Fixtures.check(s, "jpac_std_conv2d_forward");
        return s;
    }

    /** The allocating form: the op plus a tensor taken from the pool and closed (its arena's close). */
    @Benchmark
    public float apiConvGuidedAllocating() {
        try (Tensor out = Pac.conv2dGuided(input, guide, null, null, null, weight, bias, opts)) {
            return out.get(0, 0, 0, 0);
        }
    }

    /** One tensor's lifecycle alone: taken from the pool, viewed through an arena of its own, closed. */
    @Benchmark
    public boolean apiEmptyClose() {
        Tensor t = Tensor.empty(1, CHANNELS, SIZE, SIZE);
        t.close();
        return t.isClosed();
    }

    @Benchmark
    public Tensor apiNoop() {
        NativeCalls.noop(input);
        return input;
    }

    @Benchmark
    public int rawNoop() {
        int s = JpacNative.jpac_noop(rInput);
        Fixtures.check(s, "jpac_noop");
        return s;
    }
}
