package org.jpac.cli;

import java.nio.file.Path;
import java.util.Locale;

import org.jpac.io.images.Image;
import org.jpac.nn.DepthHoles;

/**
 * Holes in {@code jpac upsample}'s low-resolution input: 0 in integer data (the
 * depth sensors' "no reading" in 16-bit PNGs) and NaN in float data are missing
 * samples, marked NaN for the upsamplers ({@link DepthHoles}).
 */
final class LowHoles {

    private LowHoles() {
    }

    /** Checks {@code img} for infinities only (NaN is a hole here); returns it. */
    static Image checked(FiniteValues finite, Path file, Image img) {
        float[] d = img.data().clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] != d[i]) {
                d[i] = 0;
            }
        }
        finite.input("--low", file, Image.of(d, img.channels(), img.height(), img.width()));
        return img;
    }

    /** {@code img} with its holes as NaN (integer data becomes float data in the same units); notes the count. */
    static Image marked(Image img, Progress progress) {
        float[] d = img.data();
        boolean integer = img.isInteger();
        if (integer) {
            d = d.clone();
            for (int i = 0; i < d.length; i++) {
                if (d[i] == 0) {
                    d[i] = Float.NaN;
                }
            }
        }
        long n = DepthHoles.count(d);
        if (n == 0) {
            return img;
        }
        if (n == d.length) {
            throw CliException.failure("--low has no known sample: every one is " + (integer ? "0" : "NaN")
                    + ", which marks a hole (--no-holes takes 0 as a depth)");
        }
        progress.note(String.format(Locale.ROOT, "%d of %d low-resolution samples (%.1f%%) are holes (%s): skipped "
                + "by JBU and bilinear, filled from their neighbours for the networks (--no-holes: off)", n, d.length,
                100.0 * n / d.length, integer ? "0" : "NaN"));
        return integer ? Image.ofSamples(d, img.channels(), img.height(), img.width(), img.bitDepth()) : img;
    }
}
