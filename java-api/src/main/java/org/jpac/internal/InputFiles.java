package org.jpac.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The check every file reader makes before opening its input, one-line errors that name the file. */
public final class InputFiles {

    private InputFiles() {
    }

    /**
     * Throws a one-line IOException naming {@code file} when it is missing, a directory, not a regular file or
     * unreadable: a directory reads as a bare "Is a directory" (mapped: "No such device"), a FIFO or device would
     * block or never end (a link to a regular file is fine). {@code expected} says what it should be, e.g.
     * {@code "a weight file"}.
     */
    public static void checkReadable(Path file, String expected) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not " + expected);
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": is not a regular file (a FIFO, socket or device), expected " + expected);
        }
        if (!Files.isReadable(file)) {
            throw new AccessDeniedException(file.toString(), null, "permission denied");
        }
    }
}
