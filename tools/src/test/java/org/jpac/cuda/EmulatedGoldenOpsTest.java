package org.jpac.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.jpac.Device;
import org.jpac.TestSupport;
import org.jpac.golden.GoldenRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden op case on CUDA tensors, through the whole path: Java tensors
 * on cuda:0 -> jpac_call -> libjpac's checks and dispatch -> libjpac_cuda's C
 * ABI -> the kernels (under the emulator), outputs and gradients copied back
 * and compared with the golden files at the CPU tests' tolerance; the 7x7
 * case runs on the untiled kernels (above 25 taps). The model cases run with
 * their networks moved to cuda:0 (outputs only).
 */
class EmulatedGoldenOpsTest {

    @TestFactory
    Stream<DynamicTest> everyGoldenOpOnCuda() throws IOException {
        Device cuda = EmulatedCuda.device();
        Path ops = TestSupport.goldenDir().resolve("ops");
        assertTrue(Files.isDirectory(ops), "golden ops folder not found: " + ops + " (set -Djpac.golden.dir=...)");
        List<Path> files = GoldenRunner.listCases(ops);
        assertFalse(files.isEmpty(), "no *.safetensors files in " + ops);
        return files.stream().map(f -> DynamicTest.dynamicTest(GoldenRunner.caseName(f), f.toUri(), () -> {
            GoldenRunner.CaseResult r = GoldenRunner.run(f, cuda);
            assertTrue(r.passed(), r.name() + " on " + cuda + ": " + r.message());
        }));
    }

    /**
     * Every golden model case with its network moved to cuda:0: the output must
     * match (DJIF's 9x9 filters on the untiled kernels); the JBU (Java, host
     * memory) must be refused as unsupported, saying why.
     */
    @TestFactory
    Stream<DynamicTest> everyGoldenModelOnCuda() throws IOException {
        Device cuda = EmulatedCuda.device();
        Path models = TestSupport.goldenDir().resolve("models");
        List<Path> files = GoldenRunner.listCases(models);
        assertFalse(files.isEmpty(), "no *.safetensors files in " + models);
        return files.stream().map(f -> DynamicTest.dynamicTest(GoldenRunner.caseName(f), f.toUri(), () -> {
            GoldenRunner.CaseResult r = GoldenRunner.run(f, cuda);
            if (r.name().startsWith("model_JointBilateral")) {
                assertTrue(r.unsupported() && r.message().contains("cannot move to cuda:0"),
                        r.name() + ": " + r.message());
            } else {
                assertTrue(r.passed() && r.message().startsWith("output on cuda:0"),
                        r.name() + " on " + cuda + ": " + r.message());
            }
        }));
    }
}
