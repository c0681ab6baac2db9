package org.jpac;

import java.util.Objects;

/**
 * How the adapting kernel is computed from feature differences, in the
 * reference code's notation: {@code gaussian} ({@code K = exp(-E/2)}) or
 * {@code inv_{alpha}_{lambda}[_asym][_fixed]} ({@code K = alpha + (E + 1e-4)^(lambda/2)}).
 * For inv kernels alpha and lambda are the initial values of learnable
 * parameters, or constants with {@code _fixed}; {@code _asym} clamps
 * differences at 0 before squaring.
 */
public final class KernelType {

    /** The family of kernel function: the Gaussian or the inv kernel. */
    public enum Kind {
        /** {@code K = exp(-E / 2)}. */
        GAUSSIAN,
        /** {@code K = alpha + (E + 1e-4)^(lambda / 2)}. */
        INV
    }

    /** The Gaussian kernel {@code K = exp(-E/2)}. */
    public static final KernelType GAUSSIAN = new KernelType(Kind.GAUSSIAN, 0, 0, false, false, "gaussian");

    private final Kind kind;
    private final double alpha;
    private final double lambda;
    private final boolean asymmetric;
    private final boolean fixed;
    private final String spec;

    private KernelType(Kind kind, double alpha, double lambda, boolean asymmetric, boolean fixed, String spec) {
        this.kind = kind;
        this.alpha = alpha;
        this.lambda = lambda;
        this.asymmetric = asymmetric;
        this.fixed = fixed;
        this.spec = spec;
    }

    /** An inv kernel with the given initial alpha and lambda. */
    public static KernelType inv(double alpha, double lambda, boolean asymmetric, boolean fixed) {
        if (!Double.isFinite(alpha) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("kernelType: alpha and lambda must be finite, got "
                    + alpha + ", " + lambda);
        }
        String spec = "inv_" + num(alpha) + "_" + num(lambda) + (asymmetric ? "_asym" : "") + (fixed ? "_fixed" : "");
        return new KernelType(Kind.INV, alpha, lambda, asymmetric, fixed, spec);
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Parses a reference kernel type string such as {@code "inv_0.5_0.8_asym"}. */
    public static KernelType parse(String s) {
        return parse(s, "kernelType");
    }

    /** As {@link #parse(String)}; {@code arg} names the argument in error messages. */
    public static KernelType parse(String s, String arg) {
        if (s == null) {
            throw new NullPointerException(arg);
        }
        if (s.equals("gaussian")) {
            return GAUSSIAN;
        }
        String[] parts = s.split("_", -1);
        if (!parts[0].equals("inv") || parts.length < 3) {
            throw new IllegalArgumentException(arg + ": expected 'gaussian' or 'inv_{alpha}_{lambda}[_asym][_fixed]', got '"
                    + s + "'");
        }
        double a = number(parts[1], "alpha", s, arg);
        double l = number(parts[2], "lambda", s, arg);
        boolean asym = false;
        boolean fixed = false;
        for (int i = 3; i < parts.length; i++) {
            switch (parts[i]) {
                case "asym" -> {
                    if (asym) throw new IllegalArgumentException(arg + ": 'asym' given twice in '" + s + "'");
                    asym = true;
                }
                case "fixed" -> {
                    if (fixed) throw new IllegalArgumentException(arg + ": 'fixed' given twice in '" + s + "'");
                    fixed = true;
                }
                default -> throw new IllegalArgumentException(arg + ": unknown suffix '" + parts[i] + "' in '" + s
                        + "' (expected asym or fixed)");
            }
        }
        return new KernelType(Kind.INV, a, l, asym, fixed, s);
    }

    private static double number(String p, String what, String s, String arg) {
        try {
            double v = Double.parseDouble(p);
            if (Double.isFinite(v) && !p.isEmpty() && Character.isDigit(p.charAt(p.length() - 1))) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(arg + ": " + what + " '" + p + "' in '" + s + "' is not a number");
    }

    /**
     * The family of kernel function.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether this is an inv kernel (which has alpha and lambda).
     *
     * @return true for {@code inv_...} kernels
     */
    public boolean isInv() {
        return kind == Kind.INV;
    }

    /** Initial (or fixed) alpha of an inv kernel; 0 for gaussian. */
    public double alpha() {
        return alpha;
    }

    /** Initial (or fixed) lambda of an inv kernel; 0 for gaussian. */
    public double lambda() {
        return lambda;
    }

    /**
     * Whether differences are clamped at 0 before squaring ({@code _asym}).
     *
     * @return true for asymmetric inv kernels
     */
    public boolean asymmetric() {
        return asymmetric;
    }

    /**
     * Whether alpha and lambda are constants rather than learnable ({@code _fixed}).
     *
     * @return true for fixed inv kernels
     */
    public boolean fixed() {
        return fixed;
    }

    /** Whether alpha and lambda are learnable parameters. */
    public boolean learnable() {
        return kind == Kind.INV && !fixed;
    }

    /** The reference string this type was parsed from. */
    @Override
    public String toString() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelType k && k.kind == kind && k.alpha == alpha && k.lambda == lambda
                && k.asymmetric == asymmetric && k.fixed == fixed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, alpha, lambda, asymmetric, fixed);
    }
}
