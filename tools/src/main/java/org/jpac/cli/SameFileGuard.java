package org.jpac.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Refuses to run a command whose output would overwrite one of its inputs
 * ({@code --out d.npy --low d.npy}), however the two are spelled: the same
 * path, {@code ./x/../d.npy}, a symbolic or a hard link. Checked before any
 * work is done.
 */
final class SameFileGuard {

    private SameFileGuard() {
    }

    /**
     * The one-line refusal when a file in {@code outputs} (files by the option
     * that writes them) is a file in {@code inputs} (by the option that reads
     * it), or null when none is.
     */
    static String clash(Map<String, Path> inputs, Map<String, List<Path>> outputs) {
        for (Map.Entry<String, List<Path>> out : outputs.entrySet()) {
            for (Path written : out.getValue()) {
                for (Map.Entry<String, Path> in : inputs.entrySet()) {
                    if (in.getValue() != null && written != null && same(written, in.getValue())) {
                        return out.getKey() + " " + written + " is the same file as " + in.getKey() + " "
                                + in.getValue() + "; refusing to overwrite an input";
                    }
                }
            }
        }
        return null;
    }

    /**
     * Whether writing {@code output} would change the file {@code input}.
     * Devices and FIFOs are written in place without harm, so they never clash.
     */
    static boolean same(Path writtenPath, Path readPath) {
        Path output = resolved(writtenPath);
        Path input = resolved(readPath);
        if (Files.exists(output) && Files.exists(input)) {
            if (!Files.isRegularFile(output)) {
                return false;
            }
            try {
                return Files.isSameFile(output, input);
            } catch (IOException e) {
                // unreadable attributes: fall back to comparing the names
            }
        } else if (Files.exists(output) || Files.exists(input)) {
            return false; // one exists and the other does not: different files
        }
        return output.equals(input);
    }

    /**
     * Where a write of {@code p} lands: its links followed (a dangling one too, to the file it would create)
     * in a real folder; a dangling link to a file not yet written otherwise compares as a name of its own.
     */
    static Path resolved(Path p) {
        Path r = p.toAbsolutePath();
        try {
            for (int i = 0; i < 40 && Files.isSymbolicLink(r); i++) {
                r = r.resolveSibling(Files.readSymbolicLink(r));
            }
        } catch (IOException e) {
            // unreadable link: compare what we have
        }
        r = r.normalize();
        Path parent = r.getParent();
        if (parent != null && r.getFileName() != null && Files.isDirectory(parent)) {
            try {
                return parent.toRealPath().resolve(r.getFileName());
            } catch (IOException e) {
                // keep the normalized name
            }
        }
        return r;
    }
}
