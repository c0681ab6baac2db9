package org.jpac;


import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Shared helpers for the tests: locations, random data, comparisons. */
public final class TestSupport {

    private TestSupport() {
    }

    /** The repository root: the nearest ancestor of the working directory with native/include/jpac.h. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("native/include/jpac.h"))) {
                return q;
            }
        }
        return p.getParent() == null ? p : p.getParent();
    }

    /** Golden directory: property jpac.golden.dir, else ../shared/golden from the repo root. */
    /**
     * The golden folder: {@code -Djpac.golden.dir}, else {@code ../shared/golden}
     * beside the repository. A folder that does not exist skips the tests that
     * need it, loudly, unless {@code -Djpac.golden.required=true}; a folder
     * that exists but lacks cases fails them (see GoldenParityTest).
     */
    public static Path goldenDir() {
        String prop = System.getProperty("jpac.golden.dir");
        Path dir = prop != null && !prop.isBlank() ? Path.of(prop)
                : repoRoot().resolve("../shared/golden").normalize();
        if (!java.nio.file.Files.isDirectory(dir) && !Boolean.getBoolean("jpac.golden.required")) {
            System.err.println("WARNING: golden folder " + dir + " not found: golden tests skipped"
                    + " (set -Djpac.golden.dir=DIR; -Djpac.golden.required=true makes this a failure)");
            org.junit.jupiter.api.Assumptions.abort("golden folder " + dir + " not found");
        }
        return dir;
    }

    public static Path headerPath() {
        String prop = System.getProperty("jpac.header");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        return repoRoot().resolve("native/include/jpac.h");
    }

    /** n normal samples times scale. */
    public static double[] randn(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian() * scale;
        }
        return a;
    }

    /** A host tensor of standard normal values from {@code seed}. */
    public static Tensor gaussian(long seed, long... shape) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    /** Rounds to float precision, so the double reference sees exactly what the native code sees. */
    public static double[] toFloatPrecision(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    public static Tensor tensor(double[] a, long... shape) {
        return Tensor.ofDoubles(a, shape);
    }

    public static double[] doubles(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    public static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * Asserts max|got - want| <= rtol * max(1, max|want|), reporting the worst element; a NaN fails.
     * The same test as org.jpac.golden.Conformance (in jpac-tools, which this module's tests cannot use).
     */
    public static void assertClose(String what, double[] want, Tensor got, double rtol) {
        assertClose(what, want, doubles(got), rtol);
    }

    public static void assertClose(String what, double[] want, double[] got, double rtol) {
        if (want.length != got.length) {
            throw new AssertionError(what + ": length " + got.length + ", expected " + want.length);
        }
        double tolerance = rtol * Math.max(1, maxAbs(want));
        for (int i = 0; i < want.length; i++) {
            double e = Math.abs(got[i] - want[i]);
            if (!(e <= tolerance)) {
                throw new AssertionError(what + ": error " + e + " at " + i + " (got " + got[i] + ", want "
                        + want[i] + "), tolerance " + tolerance);
            }
        }
    }
}
