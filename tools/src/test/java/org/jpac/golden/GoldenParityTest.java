package org.jpac.golden;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.jpac.TestSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Parity with the reference implementation: one dynamic test per golden op
 * file in {@code ${jpac.golden.dir}/ops}. A missing or empty folder fails.
 */
class GoldenParityTest {

    @TestFactory
    Stream<DynamicTest> everyGoldenOpFile() throws IOException {
        Path ops = TestSupport.goldenDir().resolve("ops");
        assertTrue(Files.isDirectory(ops), "golden ops folder not found: " + ops
                + " (set -Djpac.golden.dir=...)");
        List<Path> files = GoldenRunner.listCases(ops);
        assertFalse(files.isEmpty(), "no *.safetensors files in " + ops);
        return files.stream().map(f -> DynamicTest.dynamicTest(GoldenRunner.caseName(f), f.toUri(), () -> {
            GoldenRunner.CaseResult r = GoldenRunner.run(f);
            assertTrue(r.passed(), r.name() + ": " + r.message());
        }));
    }
}
