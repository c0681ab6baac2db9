package org.jpac.fuzz;

import java.util.List;
import java.util.stream.LongStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile inputs for a file format: random bytes, random bytes
 * behind the format's magic, and valid files (the seeds) with one to four
 * {@link ByteMutation}s. Mutated seeds get most of the tries: they reach far
 * deeper into a reader than noise, which dies at the magic check.
 */
public final class FuzzInputs {

    /** Integer field values that break length and size checks: signs, powers of two, type limits. */
    private static final long[] INTERESTING = {
        0, 1, 2, 3, 4, 7, 8, 16, 64, 127, 128, 255, 256, 1000, 0x7fff, 0x8000, 0xffff, 0x10000, 1 << 20, 1 << 24,
        (1 << 30) + 1, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE,
        -1, -2, -8,
    };

    private FuzzInputs() {
    }

    /** Random bytes, magic plus random bytes, and mutated seeds, in the ratio 1 : 1 : 8. */
    public static Arbitrary<byte[]> forFormat(byte[] magic, List<byte[]> seeds) {
        return Arbitraries.frequencyOf(
                Tuple.of(1, randomBytes(512)),
                Tuple.of(1, randomBytes(512).map(tail -> concat(magic, tail))),
                Tuple.of(8, mutated(seeds)));
    }

    /** Up to {@code maxLength} random bytes. */
    public static Arbitrary<byte[]> randomBytes(int maxLength) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(maxLength);
    }

    /** A seed with one to four mutations. */
    public static Arbitrary<byte[]> mutated(List<byte[]> seeds) {
        return Combinators.combine(Arbitraries.of(seeds), mutation().list().ofMinSize(1).ofMaxSize(4))
                .as((seed, edits) -> {
                    byte[] b = seed;
                    for (ByteMutation m : edits) {
                        b = m.apply(b);
                    }
                    return b;
                });
    }

    /** One mutation, positions biased to the first and last bytes, where headers and directories are. */
    public static Arbitrary<ByteMutation> mutation() {
        Arbitrary<Integer> at = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(0, 63)),
                Tuple.of(1, Arbitraries.integers().between(-64, -1)),
                Tuple.of(3, Arbitraries.integers().between(0, Integer.MAX_VALUE)));
        Arbitrary<Long> value = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(LongStream.of(INTERESTING).boxed().toList())),
                Tuple.of(1, Arbitraries.longs()));
        return Combinators.combine(Arbitraries.of(ByteMutation.Kind.values()), at,
                Arbitraries.integers().between(1, 256), value, Arbitraries.of(1, 2, 4, 8), Arbitraries.of(true, false),
                randomBytes(32).filter(b -> b.length > 0))
                .as(ByteMutation::new);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
