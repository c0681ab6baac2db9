package org.jpac;

/**
 * A failure reported by the native library that is not an argument error: an
 * unsupported case, memory exhaustion, a backend (oneDNN/CUDA) failure or an
 * internal error. Argument errors are {@link IllegalArgumentException}s.
 */
public class JpacException extends RuntimeException {

    /** Mirrors {@code jpac_status} in jpac.h. */
    public enum Status {
        /** Success (never thrown). */
        OK(0),
        /** A bad argument (thrown as {@link IllegalArgumentException} instead). */
        INVALID_ARGUMENT(1),
        /** A case the library or backend does not support. */
        UNSUPPORTED(2),
        /** Memory could not be allocated. */
        OUT_OF_MEMORY(3),
        /** The backend (oneDNN/CUDA) failed. */
        BACKEND(4),
        /** An internal error of the library. */
        INTERNAL(5),
        /** A code this version of the Java API does not know. */
        UNKNOWN(-1);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        /**
         * The numeric code in jpac.h.
         *
         * @return the code (-1 for {@link #UNKNOWN})
         */
        public int code() {
            return code;
        }

        /**
         * The status with the given jpac.h code.
         *
         * @param code the native code
         * @return the status, or {@link #UNKNOWN} for a code not listed here
         */
        public static Status of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return UNKNOWN;
        }
    }

    /** The status of the failed call (serial field). */
    private final Status status;
    /** The raw status code of the failed call (serial field). */
    private final int code;

    /**
     * A failure with the status's own code.
     *
     * @param status the status
     * @param message the message
     */
    public JpacException(Status status, String message) {
        this(status, status.code(), message);
    }

    /**
     * A failure with a raw code (which differs from the status's for {@link Status#UNKNOWN}).
     *
     * @param status the status
     * @param code the raw code returned by the native call
     * @param message the message
     */
    public JpacException(Status status, int code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /**
     * The status of the failed call.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }

    /** The raw status code returned by the native call. */
    public int code() {
        return code;
    }
}
