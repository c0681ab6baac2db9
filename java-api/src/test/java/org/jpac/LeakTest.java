package org.jpac;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jpac.internal.Leaks;
import org.junit.jupiter.api.Test;

/** A tensor dropped without close() is still freed, and -Djpac.leaks=report says where it was allocated. */
class LeakTest {

    /** A test body that sees the leak reports sent while it runs. */
    private interface WithReports {
        void run(List<String> reports) throws InterruptedException;
    }

    /** Runs {@code body} with leak reports in {@code mode} collected into a list, then restores both. */
    private static void withReports(Leaks.Mode mode, WithReports body) throws InterruptedException {
        List<String> reports = new CopyOnWriteArrayList<>();
        Leaks.Mode oldMode = Leaks.setMode(mode);
        var oldSink = Leaks.setSink(reports::add);
        try {
            body.run(reports);
        } finally {
            Leaks.setSink(oldSink);
            Leaks.setMode(oldMode);
        }
    }

    /** Runs the garbage collector, up to {@code tries} times 20 ms, until {@code count} leaks have been seen. */
    private static void collectUntil(long count, int tries) throws InterruptedException {
        for (int i = 0; i < tries && Leaks.count() < count; i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    @Test
    void anUnclosedTensorIsFreedAndReportedWithItsAllocationSite() throws InterruptedException {
        withReports(Leaks.Mode.REPORT, reports -> {
            long before = Leaks.count();
            long usedBefore = Jpac.memoryStats().tensorBytesInUse();
            allocateAndForget();
            collectUntil(before + 1, 200);
            assertTrue(Leaks.count() > before, "the dropped tensor was never collected");
            String mine = reports.stream().filter(r -> r.contains("Tensor[1, 3, 77, 91]")).findFirst().orElse(null);
            assertTrue(mine != null, "no report for the dropped tensor: " + reports);
            assertTrue(mine.contains("allocateAndForget"), "the report names the allocation site: " + mine);
            for (int i = 0; i < 100 && Jpac.memoryStats().tensorBytesInUse() > usedBefore; i++) {
                Thread.sleep(10);
            }
            assertTrue(Jpac.memoryStats().tensorBytesInUse() <= usedBefore, "the leaked memory was not freed");
        });
    }

    /** A program that leaks in a loop gets one line per leak for the first few, then one per doubling. */
    @Test
    void manyLeaksDoNotFloodTheLog() throws InterruptedException {
        withReports(Leaks.Mode.WARN, reports -> {
            long before = Leaks.count();
            long target = before + 200;
            for (int i = 0; i < 200; i++) {
                Tensor.allocate(2, 3).fill(1f);
            }
            collectUntil(target, 300);
            assertTrue(Leaks.count() >= target, "the dropped tensors were not collected: " + Leaks.count());
            // at most WARN_EACH single reports and one per doubling (8 up to 2^12): this JVM may have leaked before
            assertTrue(reports.size() <= 16 + 12, reports.size() + " reports: " + reports);
            long power = Long.highestOneBit(target);
            if (power > before && power > 16) { // the count passed a power of two: its line is out
                assertTrue(reports.stream().anyMatch(r -> r.startsWith("jpac: LEAK: " + power + " tensors so far")),
                        reports.toString());
            }
        });
    }

    private static void allocateAndForget() {
        Tensor t = Tensor.allocate(1, 3, 77, 91);
        t.fill(1f);
    }

    @Test
    void aClosedTensorIsNeverReported() throws InterruptedException {
        withReports(Leaks.mode(), reports -> {
            for (int i = 0; i < 50; i++) {
                Tensor.allocate(1, 5, 13, 17).close();
            }
            System.gc();
            Thread.sleep(100);
            assertTrue(reports.stream().noneMatch(r -> r.contains("Tensor[1, 5, 13, 17]")), reports.toString());
        });
    }
}
