package org.jpac.cli;

import java.util.function.Consumer;

import org.jpac.Device;
import org.jpac.Jpac;

/**
 * Where the commands run their models: on the backend libjpac chose ({@link Jpac#backend()}:
 * {@code auto} picks a GPU when there is one, {@code jpac.backend} / {@code JPAC_BACKEND} ask
 * for one), with a line saying so; a model that cannot run there stays on the CPU, saying why.
 */
final class BackendPlacement {

    private BackendPlacement() {
    }

    /**
     * Moves a model to the chosen backend with {@code move} and returns the device it runs on.
     *
     * @param note where the line saying so goes
     * @param what the model, as the line names it
     * @param move moves the model to a device (throws UnsupportedOperationException when it cannot)
     */
    static Device place(Consumer<String> note, String what, Consumer<Device> move) {
        Device d = Jpac.placeOnBackend(move, why -> note.accept(what + " stays on the CPU: " + why));
        if (!d.isCpu()) {
            note.accept(what + " runs on " + d + " (" + Jpac.backendReason() + ")");
        }
        return d;
    }
}
