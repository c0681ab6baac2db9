package org.jpac.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.jpac.ChildJvm;
import org.jpac.io.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code .flo} writer failing partway (the library's FailedWritesTest covers
 * the library's writers; this one lives beside FloFile in jpac-tools): the file
 * it was to replace keeps its bytes and no temporary file is left.
 */
class FloFileFailedWriteTest {

    /** Run in the child JVM: writes a 64x64 flow (32 KiB) to args[0]. */
    public static void main(String[] args) throws Exception {
        Random r = new Random(1);
        float[] uv = new float[2 * 64 * 64];
        for (int i = 0; i < uv.length; i++) {
            uv[i] = r.nextFloat();
        }
        try {
            FloFile.write(Path.of(args[0]), new FloFile.Flow(uv, 64, 64));
            System.out.println("ok");
        } catch (Exception e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @Test
    void aWriteThatRunsIntoTheFileSizeLimitKeepsTheFileItWasToReplace(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("existing.flo");
        byte[] old = TestFiles.bytes(1024, 11);
        Files.write(f, old);
        ChildJvm.Result r = ChildJvm.runWithFileSizeLimit(2, FloFileFailedWriteTest.class.getName(), f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(f + ": File too large"), "the write should fail, naming the file: " + r.out());
        assertArrayEquals(old, Files.readAllBytes(f), "the failed write destroyed the file: " + r.out());
        assertEquals(List.of("existing.flo"), TestFiles.listing(tmp), "temporary files left behind");
    }
}
