package org.jpac.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.jpac.fuzz.FileReaderCase;
import org.jpac.fuzz.FuzzInputs;
import org.jpac.fuzz.FuzzSettings;
import org.jpac.fuzz.SeedFiles;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes the {@code .flo} optical-flow reader with random bytes and mutated
 * valid files: each read returns or throws an IOException, within the time
 * and allocation bounds of {@link FileReaderCase}.
 */
@AddLifecycleHook(FuzzSettings.class)
class FloFileFuzzTest {

    /** The body is read whole, then converted to planar floats: about three copies. */
    private static final long PER_BYTE = 16;

    private static final List<byte[]> SEEDS = SeedFiles.written(".flo", List.of(
            f -> FloFile.write(f, new FloFile.Flow(new float[] {0, 1, -2, 3.5f, 4, 5, 6, -7, 8, 9, 10, 11}, 2, 3)),
            f -> FloFile.write(f, new FloFile.Flow(new float[] {0.25f, -0.5f}, 1, 1))));

    @Property(tries = 5000)
    void floReader(@ForAll("flo") byte[] input) {
        FileReaderCase.check("FloFile.read", input, ".flo", PER_BYTE, FloFile::read);
    }

    @Provide
    Arbitrary<byte[]> flo() {
        byte[] magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(FloFile.MAGIC).array();
        return FuzzInputs.forFormat(magic, SEEDS);
    }
}
