package org.jpac.train;

import java.util.List;

import org.jpac.nn.BilinearResidual;
import org.jpac.nn.DJIF;
import org.jpac.nn.JointBilateral;
import org.jpac.nn.PacJointUpsample;
import org.jpac.nn.PacJointUpsampleLite;
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
        TrainableUpsampler net = create(name, factor, seed);
        return residual ? new BilinearResidual(net) : net;
    }

    /** A new network with initial weights from {@code seed}. */
    public static TrainableUpsampler create(String name, int factor, long seed) {
        return switch (name) {
            case "pac" -> PacJointUpsample.builder(factor).seed(seed).build();
            case "lite" -> new PacJointUpsampleLite(factor, 1, 3, seed);
            case "djif" -> new DJIF(factor, 1, 3, new int[] {9, 1, 5}, new int[] {96, 48, 1}, new int[] {64, 32},
                    seed);
            default -> throw new IllegalArgumentException("model: expected one of " + NAMES + ", got '" + name + "'");
        };
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
        return "{\"factor\": " + factor + ", \"channels\": 1, \"guide_channels\": 3}";
    }

    /**
     * The joint bilateral baseline, with {@code jpac upsample --model jbu}'s defaults:
     * a (4 factor - 1)-wide kernel, sigma_space = factor output pixels, sigma_color 0.1.
     */
    public static JointBilateral jointBilateral(int factor) {
        return new JointBilateral(factor, 1, 4 * factor - 1, 1.0 / factor, 1 / JBU_SIGMA_COLOR);
    }
}
