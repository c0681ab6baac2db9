package org.jpac.io.images;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a readable image of the format it claims (or of any
 * supported format), or an image that a format cannot hold. The message is one
 * line and names the file.
 */
public final class ImageFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure for a file.
     *
     * @param file the file, or null when there is none
     * @param message the problem (one line)
     */
    public ImageFormatException(Path file, String message) {
        super((file == null ? "" : file + ": ") + message);
    }

    /**
     * A failure for a file, with its cause.
     *
     * @param file the file, or null when there is none
     * @param message the problem (one line)
     * @param cause the underlying failure
     */
    public ImageFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "" : file + ": ") + message, cause);
    }
}
