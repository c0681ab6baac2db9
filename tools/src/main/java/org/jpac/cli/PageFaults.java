package org.jpac.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a call costs besides compute: the process's minor page faults and the thread's Java heap allocation. */
final class PageFaults {

    private PageFaults() {
    }

    /** Minor page faults of this process so far (field 10 of /proc/self/stat); -1 where there is none. */
    static long minor() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // The command name (field 2) is in parentheses and may hold spaces: fields 3.. follow the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[10 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Bytes of Java heap the current thread has allocated so far; -1 where the JVM does not say. */
    static long threadHeapBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }
}
