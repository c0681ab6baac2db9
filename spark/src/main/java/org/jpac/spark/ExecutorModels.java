package org.jpac.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jpac.Jpac;
import org.jpac.model.CrfRefiner;
import org.jpac.model.DepthUpsampler;

/**
 * The models of this JVM (an executor, or the driver in local mode): each is
 * built once, on first use, and then shared by every task and row (jpac's
 * models are thread-safe). They live as long as the JVM, on the backend libjpac
 * chose for it ({@code auto}: a GPU when the executor has one; {@code JPAC_BACKEND}
 * or {@code -Djpac.backend} to choose), or on the CPU for a model that cannot move.
 */
public final class ExecutorModels {

    private static final ConcurrentHashMap<String, DepthUpsampler> UPSAMPLERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, CrfRefiner> REFINERS = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILT = new AtomicInteger();

    private ExecutorModels() {
    }

    /** The upsampler of {@code model}, built on the first call in this JVM. */
    public static DepthUpsampler upsampler(ModelSource model) {
        return UPSAMPLERS.computeIfAbsent(model.key(), k -> {
            try {
                DepthUpsampler up = model.openUpsampler();
                Jpac.placeOnBackend(up::to, why -> { });  // JointBilateral stays on the CPU
                BUILT.incrementAndGet();
                return up;
            } catch (IOException e) {
                throw new UncheckedIOException("model " + model + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * The CRF of {@code model} for {@code classes} classes and these edge scales
     * (NaN: the model's own), built once per JVM.
     */
    public static CrfRefiner refiner(ModelSource model, int classes, double scaleSpace, double scaleColor) {
        String key = model.key() + "|" + classes + "|" + scaleSpace + "|" + scaleColor;
        return REFINERS.computeIfAbsent(key, k -> {
            try {
                CrfRefiner crf = model.openRefiner(classes);
                crf.edgeScales(Double.isNaN(scaleSpace) ? crf.scaleSpace() : scaleSpace,
                        Double.isNaN(scaleColor) ? crf.scaleColor() : scaleColor);
                Jpac.placeOnBackend(crf::to, why -> { });
                BUILT.incrementAndGet();
                return crf;
            } catch (IOException e) {
                throw new UncheckedIOException("model " + model + ": " + e.getMessage(), e);
            }
        });
    }

    /** How many models this JVM has built so far (each model once). */
    public static int built() {
        return BUILT.get();
    }
}
