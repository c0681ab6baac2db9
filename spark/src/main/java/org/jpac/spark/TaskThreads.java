package org.jpac.spark;

import org.apache.spark.TaskContext;
import org.jpac.Jpac;

/**
 * jpac's thread count follows the CPUs Spark gives a task ({@code spark.task.cpus},
 * or the task's resource profile): an executor with N cores runs N / cpus tasks
 * at once, each with that many jpac threads, so together they fill the cores
 * without oversubscribing them.
 */
public final class TaskThreads {

    private TaskThreads() {
    }

    /** Sets jpac's threads to the running task's CPUs; returns them (0 outside a task: nothing changed). */
    public static int apply() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return 0;
        }
        int cpus = Math.max(1, task.cpus());
        if (Jpac.threads() != cpus) {
            Jpac.setThreads(cpus);
        }
        return cpus;
    }
}
