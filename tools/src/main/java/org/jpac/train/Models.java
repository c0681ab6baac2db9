package org.jpac.train;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpac.Tensor;

import org.jpac.nn.DJIF;
import org.jpac.nn.JointBilateral;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PacJointUpsampleLite;
import org.jpac.nn.Sampling;
import org.jpac.nn.TargetSkip;
import org.jpac.nn.TrainableUpsampler;

/**
 * The trainable upsampling networks by short name ({@code pac}:
 * PacJointUpsample, {@code lite}: PacJointUpsampleLite, {@code djif}: DJIF) with
 * seeded initial weights, their reference class names and constructor
 * arguments (a saved model's metadata, as in the golden files), and the joint
 * bilateral baseline.
 */
public final class Models {

    /** The short names of the trainable networks. */
    public static final List<String> NAMES = List.of("pac", "lite", "djif");

    /** The joint bilateral baseline's colour sigma (guide in [0, 1]); the spatial sigma is the factor. */
    public static final double JBU_SIGMA_COLOR = 0.1;

    private Models() {
    }

    /** A new network with initial weights from {@code seed}; with {@code residual}, wrapped in a bilinear skip. */
    public static TrainableUpsampler create(String name, boolean residual, int factor, long seed) {
        return create(name, residual ? TargetSkip.BILINEAR : TargetSkip.NONE, factor, seed, Set.of(Sampling.AREA));
    }

    /**
     * A new network with initial weights from {@code seed}, wrapped in {@code skip}
     * (JBU places its samples by the one protocol in {@code samplings}). Under the JBU
     * skip the network's last layer starts at zero, so the untrained model is JBU.
     */
    public static TrainableUpsampler create(String name, TargetSkip skip, int factor, long seed,
                                            Set<Sampling> samplings) {
        TrainableUpsampler net = create(name, factor, skip.networkGuideChannels(3), seed);
        try {
            if (skip == TargetSkip.JBU) {
                zeroLastLayer(name, net);
            }
            return skip.wrap(net, samplings);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** A new network with initial weights from {@code seed}. */
    public static TrainableUpsampler create(String name, int factor, long seed) {
        return create(name, factor, 3, seed);
    }

    private static TrainableUpsampler create(String name, int factor, int guideChannels, long seed) {
        return switch (name) {
            case "pac" -> PacJointUpsample.builder(factor).guideChannels(guideChannels).seed(seed).build();
            case "lite" -> new PacJointUpsampleLite(factor, 1, guideChannels, seed);
            case "djif" -> new DJIF(factor, 1, guideChannels, new int[] {9, 1, 5}, new int[] {96, 48, 1},
                    new int[] {64, 32}, seed);
            default -> throw new IllegalArgumentException("model: expected one of " + NAMES + ", got '" + name + "'");
        };
    }

    /** Zeroes the weight and bias of the layer that gives the network's output. */
    static void zeroLastLayer(String name, TrainableUpsampler net) {
        Map<String, Tensor> p = net.learnableParameters();
        String last = null;
        for (String k : p.keySet()) {
            if (k.endsWith(".weight")) {
                last = k.substring(0, k.length() - ".weight".length());
            }
        }
        if (last == null || !p.containsKey(last + ".bias")) {
            throw new IllegalStateException(name + ": no output layer with weight and bias to start at zero");
        }
        p.get(last + ".weight").fill(0);
        p.get(last + ".bias").fill(0);
    }

    /** The reference's class name of a short name. */
    public static String className(String name) {
        return switch (name) {
            case "pac" -> "PacJointUpsample";
            case "lite" -> "PacJointUpsampleLite";
            case "djif" -> "DJIF";
            default -> throw new IllegalArgumentException("model: expected one of " + NAMES + ", got '" + name + "'");
        };
    }

    /** The reference's constructor arguments as JSON. */
    public static String argsJson(int factor) {
        return argsJson(factor, 3);
    }

    /** As {@link #argsJson(int)} for a network taking {@code guideChannels} guide channels. */
    public static String argsJson(int factor, int guideChannels) {
        return "{\"factor\": " + factor + ", \"channels\": 1, \"guide_channels\": " + guideChannels + "}";
    }

    /**
     * The joint bilateral baseline, with {@code jpac upsample --model jbu}'s defaults:
     * a (4 factor - 1)-wide kernel, sigma_space = factor output pixels, sigma_color 0.1.
     */
    public static JointBilateral jointBilateral(int factor) {
        return new JointBilateral(factor, 1, 4 * factor - 1, 1.0 / factor, 1 / JBU_SIGMA_COLOR);
    }
}
