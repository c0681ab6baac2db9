package org.jpac.io;

import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a failed write never costs the user a file. Every writer
 * of jpac (images, weights, checkpoints, flow) goes through {@link #write}.
 *
 * <ul>
 * <li>A regular file (new or existing) is written to a temporary file in the
 *     same folder, flushed, fsync'ed and renamed over the target: the target
 *     holds its old bytes or all the new ones, never a mix and never nothing.
 *     On failure only the temporary file is removed. An existing file keeps its
 *     permissions (and, where allowed, its owner); a read-only one is refused,
 *     as a plain write would be.</li>
 * <li>A symbolic link is followed: the file it points at is replaced, the link stays.</li>
 * <li>A device or FIFO is written in place, never truncated, deleted or renamed over.</li>
 * <li>A directory is refused.</li>
 * </ul>
 * Failures of the file system are {@link FileSystemException}s naming the
 * target; whatever the content itself throws passes through unchanged.
 */
public final class AtomicFiles {

    /** The bytes to write. The stream may be closed by the content or left open. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the content to {@code out}.
         *
         * @param out the stream to the temporary file
         * @throws IOException if writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private static final int MAX_LINKS = 40;
    private static final int BUFFER_BYTES = 1 << 16;
    /** 50 characters of up to 4 bytes and the random suffix stay within the usual 255-byte name limit. */
    private static final int MAX_NAME_IN_TEMP = 50;

    private AtomicFiles() {
    }

    /** Writes {@code content} to {@code target} as described in the class comment. */
    public static void write(Path target, Content content) throws IOException {
        Path file = followLinks(target);
        BasicFileAttributes attrs = attributesOrNull(file, target);
        if (attrs != null && attrs.isDirectory()) {
            throw new FileSystemException(target.toString(), null, "is a directory");
        }
        if (attrs != null && !Files.isWritable(file)) {
            throw new AccessDeniedException(target.toString());
        }
        if (attrs != null && attrs.isOther()) {
            writeInPlace(file, target, content);
            return;
        }
        replace(file, target, attrs != null, content);
    }

    /** The file a chain of symbolic links ends at (dangling or not); {@code target} itself when it is no link. */
    static Path followLinks(Path target) throws IOException {
        Path p = target.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw new FileSystemException(target.toString(), null, "too many levels of symbolic links");
            }
            try {
                p = p.resolveSibling(Files.readSymbolicLink(p));
            } catch (IOException e) {
                throw named(e, target);
            }
        }
        return p;
    }

    private static BasicFileAttributes attributesOrNull(Path file, Path target) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw named(e, target);
        }
    }

    /** Devices and FIFOs: opened without truncating (append mode), written, closed; nothing else is touched. */
    private static void writeInPlace(Path file, Path target, Content content) throws IOException {
        FileOutputStream out;
        try {
            out = new FileOutputStream(file.toFile(), true);
        } catch (FileNotFoundException e) {
            throw named(e, target);
        }
        try (out) {
            send(out, target, content);
        }
    }

    private static void replace(Path file, Path target, boolean exists, Content content) throws IOException {
        Path dir = file.getParent();
        Path tmp = createTemp(file, target);
        try {
            if (exists) {
                copyOwnerAndPermissions(file, tmp);
            }
            // A FileOutputStream, as Files.newOutputStream gives, is not closed by a thread's interrupt.
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                send(out, target, content);
                try {
                    out.getFD().sync();
                } catch (IOException e) {
                    throw named(e, target);
                }
            }
            try {
                moveOver(tmp, file);
            } catch (IOException e) {
                throw named(e, target);
            }
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException d) {
                t.addSuppressed(d);
            }
            throw t;
        }
        syncDirectory(dir);
    }

    /** A new, empty file beside the target, under a name no one else has (mode as for any new file). */
    private static Path createTemp(Path file, Path target) throws IOException {
        Path dir = file.getParent();
        while (true) {
            try {
                return Files.createFile(dir.resolve(tempName(file)));
            } catch (FileAlreadyExistsException e) {
                // another writer's temporary file: draw another name
            } catch (IOException e) {
                throw tempFailure(e, dir, target);
            }
        }
    }

    /** The error names the target (what the user asked for) and the folder that refused the temporary file. */
    private static IOException tempFailure(IOException e, Path dir, Path target) {
        String t = target.toString();
        String why = "cannot create a temporary file in " + dir + ": " + (e instanceof NoSuchFileException
                ? "no such directory" : e instanceof AccessDeniedException ? "permission denied" : reason(e));
        IOException n = e instanceof NoSuchFileException ? new NoSuchFileException(t, null, why)
                : e instanceof AccessDeniedException ? new AccessDeniedException(t, null, why)
                : new FileSystemException(t, null, why);
        n.initCause(e);
        return n;
    }

    private static String tempName(Path file) {
        String name = file.getFileName().toString();
        if (name.length() > MAX_NAME_IN_TEMP) {
            name = name.substring(0, MAX_NAME_IN_TEMP);
        }
        return "." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp";
    }

    private static void moveOver(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The replacement keeps the mode of the file it replaces; the owner only where the system allows. */
    private static void copyOwnerAndPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        PosixFileAttributeView dst = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (src == null || dst == null) {
            return;
        }
        PosixFileAttributes a = src.readAttributes();
        try {
            dst.setOwner(a.owner());
            dst.setGroup(a.group());
        } catch (IOException e) {
            // only root may give a file away; the file is then ours, which is what a new file would be
        }
        dst.setPermissions(a.permissions()); // after chown, which may clear set-id bits
    }

    /** Runs the content into the file; errors of the file system name the target. */
    private static void send(FileOutputStream file, Path target, Content content) throws IOException {
        BufferedOutputStream out = new BufferedOutputStream(new NamingSink(file, target), BUFFER_BYTES);
        content.writeTo(out);
        out.flush();
    }

    /** Makes the rename itself durable; not every file system can sync a folder, and the data is safe anyway. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // best effort
        }
    }

    /** {@code e} as a FileSystemException of the same kind that names {@code file} (not the temporary file). */
    private static String reason(IOException e) {
        return e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static IOException named(IOException e, Path file) {
        String f = file.toString();
        String reason = reason(e);
        IOException n = e instanceof NoSuchFileException ? new NoSuchFileException(f)
                : e instanceof AccessDeniedException ? new AccessDeniedException(f)
                : new FileSystemException(f, null, reason);
        n.initCause(e);
        return n;
    }

    /** The stream the content writes to: the file, with errors naming the target; closed by us, not by it. */
    private static final class NamingSink extends OutputStream {
        private final FileOutputStream file;
        private final Path target;

        NamingSink(FileOutputStream file, Path target) {
            this.file = file;
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                file.write(b, off, len);
            } catch (IOException e) {
                throw named(e, target);
            }
        }

        @Override
        public void close() {
            // the file must stay open for fsync; write() closes it
        }
    }
}
