package org.jpac.fuzz;

import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Tries, seed and edge cases of every fuzz property. By default each property
 * runs the tries its annotation gives, with a fixed seed, so CI runs the same
 * cases every time. {@code -Djpac.fuzz.tries=N} runs N tries per property
 * instead (a longer local run); {@code -Djpac.fuzz.seed=S} picks another seed,
 * and {@code -Djpac.fuzz.seed=random} a new one each run (jqwik prints the
 * seed of a failing run, which {@code -Djpac.fuzz.seed} then replays). jqwik's
 * generic edge cases are off: the generators mix in their own extreme values.
 *
 * <p>Used as {@code @AddLifecycleHook(FuzzSettings.class)} on a fuzz class.
 */
public final class FuzzSettings implements AroundPropertyHook {

    /** The seed CI uses. */
    public static final String DEFAULT_SEED = "20261201";

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        PropertyAttributes a = context.attributes();
        // jqwik's edge cases (first list element, 0, empty array) would crowd out the cases built on purpose
        a.setEdgeCases(EdgeCasesMode.NONE);
        Integer tries = Integer.getInteger("jpac.fuzz.tries");
        if (tries != null) {
            a.setTries(tries);
        }
        String seed = System.getProperty("jpac.fuzz.seed", DEFAULT_SEED);
        if (!seed.equalsIgnoreCase("random")) {
            a.setSeed(seed);
        }
        return property.execute();
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS; // registered on a class, it applies to each of its properties
    }

    @Override
    public int aroundPropertyProximity() {
        return -100; // outermost: the attributes must be set before jqwik reads them
    }
}
