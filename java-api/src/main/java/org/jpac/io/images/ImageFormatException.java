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

    public ImageFormatException(Path file, String message) {
        super((file == null ? "" : file + ": ") + message);
    }

    public ImageFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "" : file + ": ") + message, cause);
    }
}
