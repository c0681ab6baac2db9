package org.jpac.nn;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jpac.Tensor;
import org.jpac.internal.AllocationCap;

/**
 * The networks by the reference's class name (a golden model file's metadata
 * {@code model}): how to build one from the constructor arguments ({@code args})
 * and how to run its forward pass on the file's input tensors. The golden runner
 * dispatches on it; other networks are added with {@link #register}.
 *
 * <p>Registered here: {@code PacJointUpsample}, {@code PacJointUpsampleLite},
 * {@code DJIF}, {@code DJIFWide}, {@code JointBilateral}, {@code Bilinear} (inputs
 * {@code target_low}, {@code guide}). Thread-safe.
 */
public final class ModelRegistry {

    /** Builds a network from its constructor arguments. */
    @FunctionalInterface
    public interface Factory {
        /**
         * Builds the network.
         *
         * @param args the constructor arguments
         * @return the network
         * @throws IllegalArgumentException if an argument is missing, of the wrong type or out of range
         */
        Network create(ModelArgs args);
    }

    /**
     * Runs a network's forward pass on named inputs (a golden file's tensors:
     * {@code inputs.apply(name)} is the tensor or null when the file has none);
     * returns the output, which the caller closes.
     */
    @FunctionalInterface
    public interface Forward {
        /**
         * Runs the forward pass.
         *
         * @param net the network, as built by the entry's {@link Factory}
         * @param inputs the file's tensors by name (null when absent)
         * @return the output (the caller closes it)
         */
        Tensor forward(Network net, Function<String, Tensor> inputs);
    }

    /**
     * A registered network.
     *
     * @param name the model's name, as golden files give it
     * @param factory builds the network from its arguments
     * @param forward runs its forward pass on named inputs
     */
    public record Entry(String name, Factory factory, Forward forward) {
        /** Builds the network from JSON arguments. */
        public Network create(String argsJson) {
            return factory.create(ModelArgs.parse(name, argsJson));
        }

        /**
         * Builds the network from arguments read from a weight file, refusing it
         * ({@link IllegalArgumentException}) as soon as its tensors would hold
         * more than {@code maxValues} floats (e.g. what the file holds): a small
         * file whose arguments describe a huge network fails after allocating
         * about its own size, instead of allocating for minutes before its
         * tensors are compared with the network's.
         */
        public Network create(ModelArgs args, long maxValues) {
            long bytes = maxValues > Long.MAX_VALUE / Float.BYTES ? Long.MAX_VALUE : maxValues * Float.BYTES;
            try (AllocationCap cap = AllocationCap.open(bytes)) {
                return factory.create(args);
            } catch (AllocationCap.Exceeded e) {
                throw new IllegalArgumentException(name + " args describe a network of more than " + maxValues
                        + " values, more than its weights hold", e);
            }
        }
    }

    private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();

    /**
     * Values a network may allocate beyond its weight file's tensors while it is
     * built (temporaries, buffers a file may omit): 4 MiB of floats.
     */
    private static final long BUILD_SLACK_VALUES = 1L << 20;

    /** The cap {@link Entry#create(ModelArgs, long)} should get for weights of {@code fileValues} floats. */
    public static long buildBudget(long fileValues) {
        return fileValues + BUILD_SLACK_VALUES;
    }

    static {
        registerUpsampling("PacJointUpsample", PacJointUpsample::fromArgs);
        registerUpsampling("PacJointUpsampleLite", PacJointUpsampleLite::fromArgs);
        registerUpsampling("DJIF", DJIF::fromArgs);
        registerUpsampling("DJIFWide", DJIFWide::fromArgs);
        registerUpsampling("JointBilateral", JointBilateral::fromArgs);
        registerUpsampling("Bilinear", Bilinear::fromArgs);
        CrfModels.register(); // PacCRF, PacCRFLoose (inputs unary, edge_feat)
    }

    private ModelRegistry() {
    }

    private static void registerUpsampling(String name, Factory factory) {
        register(name, factory, (net, in) -> ((UpsamplingNetwork) net).forward(required(in, "target_low"),
                required(in, "guide")));
    }

    /** The input of that name; throws naming it when absent. */
    public static Tensor required(Function<String, Tensor> inputs, String name) {
        Tensor t = inputs.apply(name);
        if (t == null) {
            throw new IllegalArgumentException("model input '" + name + "' is missing");
        }
        return t;
    }

    /** Adds or replaces a network. */
    public static void register(String name, Factory factory, Forward forward) {
        if (name == null || factory == null || forward == null) {
            throw new NullPointerException("name, factory and forward must not be null");
        }
        ENTRIES.put(name, new Entry(name, factory, forward));
    }

    /** The entry for a model name, or null. */
    public static Entry find(String name) {
        return name == null ? null : ENTRIES.get(name);
    }

    /** The entry; throws {@link IllegalArgumentException} listing the known names when absent. */
    public static Entry get(String name) {
        Entry e = find(name);
        if (e == null) {
            throw new IllegalArgumentException("model: unknown network '" + name + "' (known: " + names() + ")");
        }
        return e;
    }

    /** The registered names, sorted. */
    public static Set<String> names() {
        return new TreeSet<>(ENTRIES.keySet());
    }
}
