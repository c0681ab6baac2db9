package org.jpac.cli;

import java.nio.file.Path;

import org.jpac.internal.NonFinite;
import org.jpac.io.StateDict;
import org.jpac.io.images.Image;

/**
 * What a command does with NaN and infinite values. One NaN in an input
 * spreads to every output pixel its window touches (and one infinity through
 * the min/max scaling to all of them), so by default an input or weight file
 * holding any is refused with one line naming the file, how many there are and
 * where the first is, and a result holding any is not written.
 * {@code --allow-nonfinite} keeps them: they pass through the network as they
 * are (no hole filling), each file holding some gets a warning, and so does a
 * result holding some, which is then written (PNG has no NaN: it gets 0).
 */
final class FiniteValues {

    static final String OPTION = "--allow-nonfinite";
    /** The option's line in the commands' usage texts. */
    static final String HELP = "  " + OPTION + " keep NaN/Inf in inputs and weights (passed through as they are, "
            + "no hole filling);\n                    by default a file holding any is refused";

    private final boolean allow;
    private final Progress progress;

    private FiniteValues(boolean allow, Progress progress) {
        this.allow = allow;
        this.progress = progress;
    }

    /** As the command's {@code --allow-nonfinite} option says. */
    static FiniteValues of(Args a, Progress progress) {
        return new FiniteValues(a.flag(OPTION), progress);
    }

    /** Refuses every non-finite value (commands without the option). */
    static FiniteValues strict() {
        return new FiniteValues(false, null);
    }

    /** Checks an image read from {@code opt}'s {@code file}; returns it. */
    Image input(String opt, Path file, Image img) {
        NonFinite bad = NonFinite.in(img.data());
        if (bad != null) {
            found(opt + " " + file + ": " + bad.describe() + ", the first at " + pixel(img.height(), img.width(),
                    bad.first()));
        }
        return img;
    }

    /** Checks every tensor of a weight file. */
    void weights(String opt, Path file, StateDict dict) {
        String bad = org.jpac.model.ModelWeights.nonFiniteIn(dict);
        if (bad != null) {
            found(opt + " " + file + ": " + bad);
        }
    }

    private void found(String what) {
        if (!allow) {
            throw CliException.failure(what + "; " + OPTION + " keeps such values");
        }
        progress.warn(what + "; kept (" + OPTION + ")");
    }

    /** Checks a result [channels, height, width] before it is written. */
    void result(float[] data, int height, int width) {
        NonFinite bad = NonFinite.in(data);
        if (bad == null) {
            return;
        }
        String what = "the result has " + bad.count() + " non-finite value" + (bad.count() == 1 ? "" : "s")
                + " (NaN or infinite), the first at " + pixel(height, width, bad.first());
        if (allow) {
            progress.warn(what + "; written as they are (" + OPTION + ")");
            return;
        }
        throw CliException.failure(what + "; nothing was written (the inputs are finite, so values left the float32 "
                + "range of +-3.4e38: rescale the input)");
    }

    /** Checks an image result before it is written. */
    void result(Image img) {
        result(img.data(), img.height(), img.width());
    }

    /** A flat index of a [C, H, W] array as "x 3, y 2, channel 0". */
    static String pixel(int height, int width, long flat) {
        long plane = (long) height * width;
        long c = flat / plane;
        long p = flat % plane;
        return "x " + p % width + ", y " + p / width + ", channel " + c;
    }
}
