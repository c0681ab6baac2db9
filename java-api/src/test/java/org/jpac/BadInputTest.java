package org.jpac;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every public operation rejects bad arguments before the native call, with
 * the right exception type and a message that starts with the argument's name.
 */
class BadInputTest {

    private static final PacOptions O = PacOptions.builder(3).padding(1).build();
    private static final PacOptions OT = PacOptions.builder(3).stride(2).padding(1).outputPadding(1).build();

    private Tensor input, guide, kernel, weight, bias, gradOut, mask;
    private Tensor tInput, tGuide, tKernel, tWeight, tGradOut;

    @BeforeEach
    void setUp() {
        input = Tensor.allocate(2, 3, 8, 8).named("input");
        guide = Tensor.allocate(2, 2, 8, 8);
        kernel = Tensor.allocate(2, 1, 3, 3, 8, 8);
        weight = Tensor.allocate(4, 3, 3, 3);
        bias = Tensor.allocate(4);
        gradOut = Tensor.allocate(2, 4, 8, 8);
        mask = Tensor.allocate(2, 1, 8, 8);
        // transposed: 4x4 input -> 8x8 output
        tInput = Tensor.allocate(2, 3, 4, 4);
        tGuide = Tensor.allocate(2, 2, 8, 8);
        tKernel = Tensor.allocate(2, 1, 3, 3, 8, 8);
        tWeight = Tensor.allocate(3, 4, 3, 3);
        tGradOut = Tensor.allocate(2, 4, 8, 8);
    }

    @AfterEach
    void tearDown() {
        for (Tensor t : new Tensor[] {input, guide, kernel, weight, bias, gradOut, mask, tInput, tGuide, tKernel,
                tWeight, tGradOut}) {
            t.close();
        }
    }

    private static void expect(Class<? extends Throwable> type, String arg, Executable call) {
        Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().startsWith(arg + ":"),
                () -> "message should start with '" + arg + ":' but was: " + e.getMessage());
    }

    private static void iae(String arg, Executable call) {
        expect(IllegalArgumentException.class, arg, call);
    }

    @Test
    void options() {
        iae("kernelSize", () -> PacOptions.of(4));
        iae("kernelSize", () -> PacOptions.of(-3));
        iae("stride", () -> PacOptions.builder(3).stride(-1).build());
        iae("padding", () -> PacOptions.builder(3).padding(-2).build());
        iae("dilation", () -> PacOptions.builder(3).dilation(0).build());
        iae("outputPadding", () -> PacOptions.builder(3).stride(2).outputPadding(3).build());
        expect(NullPointerException.class, "opts", () -> Pac.conv2d(input, kernel, weight, bias, null));
    }

    @Test
    void conv2d() {
        expect(NullPointerException.class, "input", () -> Pac.conv2d(null, kernel, weight, bias, O));
        expect(NullPointerException.class, "kernel", () -> Pac.conv2d(input, null, weight, bias, O));
        expect(NullPointerException.class, "weight", () -> Pac.conv2d(input, kernel, null, bias, O));
        try (Tensor r3 = Tensor.allocate(3, 8, 8); Tensor k2 = Tensor.allocate(2, 2, 3, 3, 8, 8);
             Tensor kb = Tensor.allocate(1, 1, 3, 3, 8, 8); Tensor kho = Tensor.allocate(2, 1, 3, 3, 7, 8);
             Tensor w5 = Tensor.allocate(4, 3, 5, 5); Tensor wci = Tensor.allocate(4, 2, 3, 3);
             Tensor b5 = Tensor.allocate(5); Tensor tiny = Tensor.allocate(2, 3, 1, 1)) {
            iae("input", () -> Pac.conv2d(r3, kernel, weight, bias, O));
            iae("kernel", () -> Pac.conv2d(input, k2, weight, bias, O));
            iae("kernel", () -> Pac.conv2d(input, kb, weight, bias, O));
            iae("kernel", () -> Pac.conv2d(input, kho, weight, bias, O));
            iae("kernel", () -> Pac.conv2d(input, weight, weight, bias, O));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pac.conv2d(input, kernel, w5, bias, O));
            assertTrue(e.getMessage().startsWith("weight: expected shape [4, 3, 3, 3], got [4, 3, 5, 5]"),
                    e.getMessage());
            iae("weight", () -> Pac.conv2d(input, kernel, wci, bias, O));
            iae("weight", () -> Pac.conv2d(input, kernel, bias, bias, O));
            iae("bias", () -> Pac.conv2d(input, kernel, weight, b5, O));
            iae("input", () -> Pac.conv2d(tiny, kernel, weight, bias, PacOptions.of(5)));
            iae("weight", () -> Pac.conv2d(input, kernel, weight, bias,
                    O.toBuilder().sharedFilters(true).build()));
        }
        iae("opts.transposed", () -> Pac.conv2d(input, kernel, weight, bias, O.withTransposed(true)));
        input.close();
        expect(IllegalStateException.class, "input", () -> Pac.conv2d(input, kernel, weight, bias, O));
    }

    @Test
    void conv2dBackwardAndInto() {
        try (Tensor go = Tensor.allocate(2, 5, 8, 8); Tensor out = Tensor.allocate(2, 4, 8, 7)) {
            iae("gradOutput", () -> Pac.conv2dBackward(input, kernel, weight, go, O));
            expect(NullPointerException.class, "gradOutput", () -> Pac.conv2dBackward(input, kernel, weight, null, O));
            iae("output", () -> Pac.conv2dInto(input, kernel, weight, bias, O, out));
            expect(NullPointerException.class, "output", () -> Pac.conv2dInto(input, kernel, weight, bias, O, null));
        }
        kernel.close();
        expect(IllegalStateException.class, "kernel", () -> Pac.conv2dBackward(input, kernel, weight, gradOut, O));
    }

    @Test
    void convTranspose2d() {
        try (Tensor wSwapped = Tensor.allocate(4, 3, 3, 3); Tensor kSmall = Tensor.allocate(2, 1, 3, 3, 4, 4);
             Tensor go = Tensor.allocate(2, 4, 7, 7)) {
            iae("weight", () -> Pac.convTranspose2d(tInput, tKernel, wSwapped, bias, OT));
            iae("kernel", () -> Pac.convTranspose2d(tInput, kSmall, tWeight, bias, OT));
            iae("gradOutput", () -> Pac.convTranspose2dBackward(tInput, tKernel, tWeight, go, OT));
            iae("input", () -> Pac.convTranspose2d(kernel, tKernel, tWeight, bias, OT));
        }
        expect(NullPointerException.class, "input", () -> Pac.convTranspose2d(null, tKernel, tWeight, bias, OT));
    }

    @Test
    void pool2d() {
        try (Tensor k2 = Tensor.allocate(2, 2, 3, 3, 8, 8); Tensor go = Tensor.allocate(2, 3, 4, 4)) {
            iae("kernel", () -> Pac.pool2d(input, k2, O));
            iae("input", () -> Pac.pool2d(kernel, kernel, O));
            iae("gradOutput", () -> Pac.pool2dBackward(input, kernel, go, O));
            iae("opts.transposed", () -> Pac.pool2d(input, kernel, O.withTransposed(true)));
        }
        expect(NullPointerException.class, "kernel", () -> Pac.pool2d(input, null, O));
    }

    @Test
    void kernel2d() {
        PacOptions inv = O.toBuilder().kernelType("inv_0.5_0.8").build();
        try (Tensor r3 = Tensor.allocate(2, 8, 8); Tensor m = Tensor.allocate(2, 1, 8, 7);
             Tensor a = Tensor.allocate(1); Tensor a3 = Tensor.allocate(3); Tensor s4 = Tensor.allocate(4, 4);
             Tensor s3 = Tensor.allocate(1, 2, 3, 3); Tensor out = Tensor.allocate(2, 2, 3, 3, 8, 8);
             Tensor gk = Tensor.allocate(2, 1, 3, 3, 7, 8)) {
            iae("guide", () -> Pac.kernel2d(r3, O));
            iae("mask", () -> Pac.kernel2d(guide, null, null, null, m, O));
            iae("invAlpha", () -> Pac.kernel2d(guide, a, null, null, null, O));
            iae("invAlpha", () -> Pac.kernel2d(guide, a3, null, null, null, inv));
            iae("invLambda", () -> Pac.kernel2d(guide, a, a3, null, null, inv));
            iae("smoothKernel", () -> Pac.kernel2d(guide, null, null, s4, null, O));
            iae("smoothKernel", () -> Pac.kernel2d(guide, null, null, s3, null, O));
            iae("outKernel", () -> Pac.kernel2dInto(guide, null, null, null, null, O, out, null));
            iae("outMask", () -> Pac.kernel2dInto(guide, null, null, null, null, O, kernel, kernel));
            iae("gradKernel", () -> Pac.kernel2dBackward(guide, null, null, null, null, gk, O));
        }
        expect(NullPointerException.class, "guide", () -> Pac.kernel2d(null, O));
        expect(NullPointerException.class, "outMask",
                () -> Pac.kernel2dInto(guide, null, null, null, mask, O, kernel, null));
        mask.close();
        expect(IllegalStateException.class, "mask", () -> Pac.kernel2d(guide, null, null, null, mask, O));
    }

    @Test
    void conv2dGuided() {
        try (Tensor gs = Tensor.allocate(2, 2, 8, 9); Tensor gb = Tensor.allocate(1, 2, 8, 8);
             Tensor w = Tensor.allocate(4, 2, 3, 3); Tensor go = Tensor.allocate(2, 4, 4, 8)) {
            iae("guide", () -> Pac.conv2dGuided(input, gs, null, null, null, weight, bias, O));
            iae("guide", () -> Pac.conv2dGuided(input, gb, null, null, null, weight, bias, O));
            iae("weight", () -> Pac.conv2dGuided(input, guide, null, null, null, w, bias, O));
            iae("opts.channelWise", () -> Pac.conv2dGuided(input, guide, null, null, null, weight, bias,
                    O.toBuilder().channelWise(true).build()));
            iae("gradOutput", () -> Pac.conv2dGuidedBackward(input, guide, null, null, null, weight, go, O));
            iae("invAlpha", () -> Pac.conv2dGuided(input, guide, bias, null, null, weight, bias, O));
        }
        expect(NullPointerException.class, "guide",
                () -> Pac.conv2dGuided(input, null, null, null, null, weight, bias, O));
        guide.close();
        expect(IllegalStateException.class, "guide",
                () -> Pac.conv2dGuided(input, guide, null, null, null, weight, bias, O));
    }

    @Test
    void convTranspose2dGuided() {
        try (Tensor smallGuide = Tensor.allocate(2, 2, 4, 4); Tensor go = Tensor.allocate(2, 4, 4, 4)) {
            // the guide must have the OUTPUT size
            iae("guide", () -> Pac.convTranspose2dGuided(tInput, smallGuide, null, null, null, tWeight, bias, OT));
            iae("weight", () -> Pac.convTranspose2dGuided(tInput, tGuide, null, null, null, weight, bias, OT));
            iae("gradOutput", () -> Pac.convTranspose2dGuidedBackward(tInput, tGuide, null, null, null, tWeight,
                    go, OT));
        }
    }

    @Test
    void pool2dGuided() {
        PacOptions cw = O.toBuilder().channelWise(true).build();
        try (Tensor go = Tensor.allocate(2, 3, 8, 9); Tensor r5 = Tensor.allocate(2, 3, 8, 8, 1)) {
            iae("guide", () -> Pac.pool2dGuided(input, guide, null, null, null, cw));
            iae("gradOutput", () -> Pac.pool2dGuidedBackward(input, guide, null, null, null, go, O));
            iae("input", () -> Pac.pool2dGuided(r5, guide, null, null, null, O));
        }
        expect(NullPointerException.class, "input", () -> Pac.pool2dGuided(null, guide, null, null, null, O));
    }

    @Test
    void stdConv2d() {
        try (Tensor w = Tensor.allocate(4, 3, 5, 5); Tensor b = Tensor.allocate(3); Tensor go = Tensor.allocate(1)) {
            iae("weight", () -> Pac.stdConv2d(input, w, bias, O));
            iae("bias", () -> Pac.stdConv2d(input, weight, b, O));
            iae("gradOutput", () -> Pac.stdConv2dBackward(input, weight, go, O));
        }
        expect(NullPointerException.class, "weight", () -> Pac.stdConv2d(input, null, bias, O));
    }

    @Test
    void layers() {
        iae("outChannels", () -> PacConv2d.builder(3, 4, 3).sharedFilters(true).build());
        iae("filler", () -> PacConv2d.builder(3, 3, 3).filler("pool").build());
        iae("filler", () -> PacConv2d.builder(3, 3, 3).filler("linear").build());
        iae("filler", () -> PacConv2d.builder(3, 3, 3).filler("bogus").build());
        iae("kernelSize", () -> new PacConv2d(3, 3, 2));
        iae("kernelType", () -> PacConv2d.builder(3, 3, 3).kernelType("inv_x_y").build());
        iae("smoothKernelType", () -> PacPool2d.builder(3).smoothKernelType("full_2").build());
        iae("outChannels", () -> PacPool2d.builder(3).channelWise(true).kernelType("inv_1_1").build());
        try (PacConv2d l = new PacConv2d(3, 4, 3)) {
            expect(IllegalStateException.class, "backward", () -> l.backward(gradOut));
        }
    }
}
