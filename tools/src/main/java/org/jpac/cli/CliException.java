package org.jpac.cli;

/**
 * A user error of a command (a bad option, a missing or unreadable file, sizes
 * that do not fit): printed as one line, {@code jpac <command>: <message>}, and
 * the command exits with {@link #exitCode()} (2 for usage errors, 1 otherwise).
 */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** A bad or missing option: exit code 2. */
    static CliException usage(String message) {
        return new CliException(message, 2);
    }

    /** Anything else the user can fix (files, sizes, weights): exit code 1. */
    static CliException failure(String message) {
        return new CliException(message, 1);
    }

    int exitCode() {
        return exitCode;
    }
}
