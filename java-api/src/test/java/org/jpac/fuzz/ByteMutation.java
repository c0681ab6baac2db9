package org.jpac.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One edit of a valid file, as a fuzzer makes them: a flipped bit, a byte or
 * an integer field overwritten with an interesting value, a truncation, an
 * insertion (random bytes or a syntax token of the text headers), a deletion,
 * a duplicated chunk, or a chunk repeated up to thousands of times (deep
 * nesting, long runs of opcodes or chunks: quadratic work shows as a hang).
 * Positions {@code at >= 0} count from the start, negative ones from the end
 * (zip directories and trailers live there).
 */
public record ByteMutation(Kind kind, int at, int length, long value, int width, boolean bigEndian,
                           byte[] bytes) {

    /** What the edit does. */
    public enum Kind {
        FLIP_BIT, SET_BYTE, SET_INTEGER, TRUNCATE, INSERT_BYTES, INSERT_TOKEN, DELETE, DUPLICATE, REPEAT, APPEND
    }

    /** Most bytes a REPEAT adds: enough for deep nesting and thousands of chunks, small enough to stay fast. */
    static final int MAX_REPEAT_BYTES = 256 << 10;

    /** Tokens of the npy, PFM and safetensors text headers and of pickled text, and numbers at the limits. */
    static final String[] TOKENS = {
        "0", "-1", "1", "4294967296", "9223372036854775807", "99999999999999999999", "1e400", "NaN", "-0",
        "(", ")", "[", "]", "{", "}", ",", ":", "'", "\"", "\\", "\n", " ", "\u0000", "\u00ff", "\uffff",
        "True", "False", "None", "L", "'shape': (", "\"dtype\":\"F64\"", "\"data_offsets\":[0,", "__metadata__",
        "<f8", ">u2", "|u1", "PF\n", "Pf\n",
    };

    /** The edited copy of {@code input}: a REPEAT adds up to {@link #MAX_REPEAT_BYTES}, the others little. */
    public byte[] apply(byte[] input) {
        int n = input.length;
        int p = n == 0 ? 0 : Math.floorMod(at, n);
        return switch (kind) {
            case FLIP_BIT -> {
                byte[] b = input.clone();
                if (n > 0) {
                    b[p] ^= (byte) (1 << (value & 7));
                }
                yield b;
            }
            case SET_BYTE -> {
                byte[] b = input.clone();
                if (n > 0) {
                    b[p] = (byte) value;
                }
                yield b;
            }
            case SET_INTEGER -> {
                byte[] b = input.clone();
                for (int i = 0; i < width && p + i < n; i++) {
                    int shift = 8 * (bigEndian ? width - 1 - i : i);
                    b[p + i] = (byte) (value >>> shift);
                }
                yield b;
            }
            case TRUNCATE -> Arrays.copyOf(input, p);
            case INSERT_BYTES -> insert(input, p, bytes);
            case INSERT_TOKEN -> insert(input, p,
                    TOKENS[Math.floorMod(value, TOKENS.length)].getBytes(StandardCharsets.UTF_8));
            case DELETE -> {
                int len = Math.min(length, n - p);
                byte[] b = new byte[n - len];
                System.arraycopy(input, 0, b, 0, p);
                System.arraycopy(input, p + len, b, p, n - p - len);
                yield b;
            }
            case DUPLICATE -> {
                int len = Math.min(length, n - p);
                byte[] chunk = Arrays.copyOfRange(input, p, p + len);
                yield insert(input, n == 0 ? 0 : Math.floorMod(value, n + 1), chunk);
            }
            case REPEAT -> {
                int len = Math.max(1, Math.min(Math.min(length, 64), n - p));
                int times = Math.min(1 + Math.floorMod(value, 4000), MAX_REPEAT_BYTES / len);
                byte[] chunk = new byte[len * times];
                for (int i = 0; i < times && n > 0; i++) {
                    System.arraycopy(input, p, chunk, i * len, len);
                }
                yield n == 0 ? input.clone() : insert(input, p, chunk);
            }
            case APPEND -> insert(input, n, bytes);
        };
    }

    private static byte[] insert(byte[] input, int at, byte[] extra) {
        byte[] b = new byte[input.length + extra.length];
        System.arraycopy(input, 0, b, 0, at);
        System.arraycopy(extra, 0, b, at, extra.length);
        System.arraycopy(input, at, b, at + extra.length, input.length - at);
        return b;
    }

    @Override
    public String toString() {
        return kind + "@" + at + (kind == Kind.DELETE || kind == Kind.DUPLICATE || kind == Kind.REPEAT ? "+" + length
                : "")
                + (kind == Kind.SET_INTEGER ? "=" + value + "/" + width + (bigEndian ? "BE" : "LE")
                : kind == Kind.SET_BYTE || kind == Kind.FLIP_BIT || kind == Kind.INSERT_TOKEN
                || kind == Kind.DUPLICATE || kind == Kind.REPEAT ? "=" + value : "")
                + (kind == Kind.INSERT_BYTES || kind == Kind.APPEND ? "=" + bytes.length + " bytes" : "");
    }
}
