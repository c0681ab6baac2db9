package org.jpac.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.jpac.io.images.Image;
import org.jpac.io.images.Png;

/** Runs {@code jpac} commands in-process and checks their error lines; writes test images. */
final class Cli {

    private Cli() {
    }

    record Result(int code, String out, String err) {
        /** The stderr lines that are not progress lines. */
        List<String> errorLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs with {@code --quiet} and checks a user error: exit {@code code}, exactly
     * one stderr line {@code jpac <command>: ...} holding every fragment, no stack trace.
     */
    static String fails(int code, String[] fragments, String... args) {
        String[] a = java.util.Arrays.copyOf(args, args.length + 1);
        a[args.length] = "--quiet";
        Result r = run(a);
        assertEquals(code, r.code(), "exit code; stderr: " + r.err());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), "one line expected, got: " + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("jpac " + args[0] + ": "), line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + line + "' lacks '" + f + "'");
        }
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        return line;
    }

    static String[] has(String... fragments) {
        return fragments;
    }

    /** The synthetic scene's colour image as an 8-bit RGB PNG. */
    static Path guidePng(Path file, SyntheticScene s) throws IOException {
        float[] rgb = new float[s.rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = s.rgb[i] * 255f;
        }
        Png.write(file, Image.of(rgb, 3, s.height, s.width), 8);
        return file;
    }

    /** Depth in metres as a 16-bit PNG of millimetres. */
    static Path depthPng(Path file, float[] metres, int h, int w) throws IOException {
        float[] mm = new float[metres.length];
        for (int i = 0; i < mm.length; i++) {
            mm[i] = metres[i] * 1000f;
        }
        Png.write(file, Image.of(mm, 1, h, w), 16);
        return file;
    }
}
