package org.jpac.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jpac.io.images.Png;
import org.jpac.model.DepthUpsampler;
import org.jpac.spark.examples.UpsampleFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's folder-to-folder example: every pair written as the library writes it, a damaged one listed. */
class UpsampleFolderExampleTest {

    @TempDir
    Path tmp;

    @Test
    void aFolderOfPairsBecomesAFolderOfDepthPngs() throws IOException {
        Path in = tmp.resolve("pairs");
        Path out = tmp.resolve("upsampled");
        TestScenes.writePairs(in, 3, 32, 40, 8);
        Files.write(in.resolve("guide/bad.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        Files.copy(in.resolve("low/p00.png"), in.resolve("low/bad.png"));

        UpsampleFolder.Summary s = UpsampleFolder.run(LocalSpark.get(), in.toString(), out.toString(),
                "pac_upsample_x8");

        assertEquals(3, s.written());
        assertEquals(1, s.failures().size());
        assertTrue(s.failures().get(0).startsWith("bad.png: "), s.failures().get(0));
        try (DepthUpsampler up = DepthUpsampler.bundled(8); Stream<Path> files = Files.list(out)) {
            assertEquals(3, files.filter(f -> !f.getFileName().toString().startsWith(".")).count());
            for (String name : new String[] {"p00.png", "p01.png", "p02.png"}) {
                byte[] want = Png.encode(up.upsample(Png.read(Files.readAllBytes(in.resolve("guide/" + name)), name),
                        Png.read(Files.readAllBytes(in.resolve("low/" + name)), name)), 16);
                assertArrayEquals(want, Files.readAllBytes(out.resolve(name)), name);
            }
        }
        assertFalse(Files.exists(out.resolve("bad.png")));
    }
}
