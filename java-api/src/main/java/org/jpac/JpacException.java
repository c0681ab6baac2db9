package org.jpac;

/**
 * A failure reported by the native library that is not an argument error: an
 * unsupported case, memory exhaustion, a backend (oneDNN/CUDA) failure or an
 * internal error. Argument errors are {@link IllegalArgumentException}s.
 */
public class JpacException extends RuntimeException {

    /** Mirrors {@code jpac_status} in jpac.h. */
    public enum Status {
        OK(0),
        INVALID_ARGUMENT(1),
        UNSUPPORTED(2),
        OUT_OF_MEMORY(3),
        BACKEND(4),
        INTERNAL(5),
        /** A code this version of the Java API does not know. */
        UNKNOWN(-1);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Status of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return UNKNOWN;
        }
    }

    private final Status status;
    private final int code;

    public JpacException(Status status, String message) {
        this(status, status.code(), message);
    }

    public JpacException(Status status, int code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public Status status() {
        return status;
    }

    /** The raw status code returned by the native call. */
    public int code() {
        return code;
    }
}
