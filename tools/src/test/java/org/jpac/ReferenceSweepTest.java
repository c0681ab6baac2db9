package org.jpac;

import java.util.stream.Stream;

import org.jpac.golden.ConformanceSuite;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite ({@link ConformanceSuite}: random small configurations
 * of every operation against the double-precision reference, forward and
 * backward) as dynamic tests, each named by its family, seed and options.
 * {@code -Djpac.sweep.cases=N} runs N cases per family (default 12).
 */
class ReferenceSweepTest {

    private static final int CASES = Integer.getInteger("jpac.sweep.cases", 12);

    @TestFactory
    Stream<DynamicTest> conformanceSuite() {
        return ConformanceSuite.families().stream()
                .flatMap(f -> ConformanceSuite.cases(f, CASES).stream())
                .map(c -> DynamicTest.dynamicTest(c.family() + " seed " + c.seed() + ": " + c.description(), c::run));
    }
}
