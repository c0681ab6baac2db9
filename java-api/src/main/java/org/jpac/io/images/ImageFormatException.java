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

    /**
     * A failure for image data that came from somewhere other than a file
     * (bytes in memory, a table column).
     *
     * @param source what the data is called in messages (e.g. a URI), or null
     * @param message the problem (one line)
     */
    public ImageFormatException(String source, String message) {
        super((source == null ? "" : source + ": ") + message);
    }

    /**
     * A failure for image data that came from somewhere other than a file, with its cause.
     *
     * @param source what the data is called in messages (e.g. a URI), or null
     * @param message the problem (one line)
     * @param cause the underlying failure
     */
    public ImageFormatException(String source, String message, Throwable cause) {
        super((source == null ? "" : source + ": ") + message, cause);
    }
}
