package org.jpac.io;

import static org.jpac.io.TestFiles.DEV_FULL;
import static org.jpac.io.TestFiles.DEV_NULL;
import static org.jpac.io.TestFiles.bytes;
import static org.jpac.io.TestFiles.isCharDevice;
import static org.jpac.io.TestFiles.listing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles}: the target holds its old bytes or all the new ones; nothing else is touched. */
class AtomicFilesTest {

    @TempDir
    Path tmp;

    @Test
    void replacesAnExistingFileAndKeepsItsPermissions() throws IOException {
        Path f = tmp.resolve("a.bin");
        Files.write(f, bytes(10, 1));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        byte[] next = bytes(200_000, 2);
        AtomicFiles.write(f, out -> out.write(next));
        assertArrayEquals(next, Files.readAllBytes(f));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of("a.bin"), listing(tmp));
    }

    @Test
    void aWriteThatFailsMidwayLeavesTheOldFileByteForByteAndNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("keep.npy");
        byte[] old = bytes(5000, 3);
        Files.write(f, old);
        IOException io = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(bytes(300_000, 4)); // past the buffer: bytes reach the disk before the failure
            throw new IOException("encoder failed");
        }));
        assertEquals("encoder failed", io.getMessage(), "the content's own error passes through");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write(bytes(10, 5));
            throw new IllegalStateException("tensor closed");
        }));
        assertArrayEquals(old, Files.readAllBytes(f));
        assertEquals(List.of("keep.npy"), listing(tmp));
    }

    @Test
    void aFailedWriteOfANewFileLeavesNothing() throws IOException {
        Path f = tmp.resolve("new.png");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(bytes(100, 6));
            throw new UncheckedIOException(new IOException("no"));
        }));
        assertEquals(List.of(), listing(tmp));
    }

    @Test
    void aSymbolicLinkIsFollowedAndStaysALink() throws IOException {
        Path real = tmp.resolve("real.bin");
        Files.write(real, bytes(10, 7));
        Path link = tmp.resolve("link.bin");
        Files.createSymbolicLink(link, Path.of("real.bin")); // relative, as ln -s makes them
        Path linkToLink = tmp.resolve("link2.bin");
        Files.createSymbolicLink(linkToLink, link);
        AtomicFiles.write(linkToLink, out -> out.write(bytes(20, 8)));
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.isSymbolicLink(linkToLink));
        assertArrayEquals(bytes(20, 8), Files.readAllBytes(real));

        Path dangling = tmp.resolve("dangling.bin");
        Files.createSymbolicLink(dangling, tmp.resolve("created.bin"));
        AtomicFiles.write(dangling, out -> out.write(bytes(5, 9)));
        assertTrue(Files.isSymbolicLink(dangling));
        assertArrayEquals(bytes(5, 9), Files.readAllBytes(tmp.resolve("created.bin")));
        assertEquals(List.of("created.bin", "dangling.bin", "link.bin", "link2.bin", "real.bin"), listing(tmp));
    }

    @Test
    void aDirectoryIsRefusedAndUntouched() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("d.png"));
        Files.write(d.resolve("inside"), bytes(3, 1));
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> AtomicFiles.write(d, out -> out.write(1)));
        assertEquals(d.toString(), e.getFile());
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertEquals(List.of("inside"), listing(d));
        assertEquals(List.of("d.png"), listing(tmp));
    }

    @Test
    void aMissingFolderIsNamed() {
        Path f = tmp.resolve("no/such/dir/x.png");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> AtomicFiles.write(f, out -> out.write(1)));
        // the target, and the folder that could not take the temporary file (before: only the folder)
        assertEquals(f.toString(), e.getFile());
        assertEquals("cannot create a temporary file in " + f.getParent() + ": no such directory", e.getReason());
    }

    @Test
    void devFullFailsCleanlyAndIsStillACharacterDevice() throws IOException {
        assumeTrue(isCharDevice(DEV_FULL), "/dev/full does not exist (or is no device) on this machine");
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> AtomicFiles.write(DEV_FULL, out -> out.write(bytes(100_000, 1))));
        assertEquals(DEV_FULL.toString(), e.getFile());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertTrue(isCharDevice(DEV_FULL), "/dev/full must survive a failed write");
        assertFalse(Files.isRegularFile(DEV_FULL));
    }

    @Test
    void devNullIsWrittenInPlace() throws IOException {
        assumeTrue(isCharDevice(DEV_NULL), "/dev/null does not exist (or is no device) on this machine");
        AtomicFiles.write(DEV_NULL, out -> out.write(bytes(100_000, 1)));
        assertTrue(isCharDevice(DEV_NULL));
    }

    @Test
    void fileSystemErrorsNameTheTargetNotTheTemporaryFile() throws IOException {
        assumeTrue(isCharDevice(DEV_FULL), "/dev/full does not exist (or is no device) on this machine");
        Path link = tmp.resolve("full.bin");
        Files.createSymbolicLink(link, DEV_FULL);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(link, out -> out.write(1)));
        assertInstanceOf(FileSystemException.class, e);
        assertEquals(link.toString(), ((FileSystemException) e).getFile());
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(isCharDevice(DEV_FULL));
        Files.delete(link);
    }
}
