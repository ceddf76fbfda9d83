package dev.gatehouse.server.http;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timer for a handler whose deadline keeps moving: it fires at the earliest deadline it was asked
 * for, and the handler re-checks its state then (and arms it again if the real deadline moved on). Asking
 * for a later deadline while an earlier one is pending costs nothing, so work that keeps pushing its
 * deadline back schedules no task per step.
 *
 * <h2>Threading</h2>
 * Event loop only.
 */
final class LazyTimer {
    private final Runnable task;
    private final Runnable fire = this::fire;
    private ScheduledFuture<?> timer;
    private long deadline;

    /** @param task what runs when the timer fires (on the executor it was armed with) */
    LazyTimer(Runnable task) {
        this.task = task;
    }

    /** Makes sure the timer fires no later than {@code deadlineNanos} ({@link System#nanoTime()} clock). */
    void arm(EventExecutor executor, long deadlineNanos) {
        if (timer != null) {
            if (deadlineNanos - deadline >= 0) {
                return; // the earlier firing re-checks and re-arms
            }
            timer.cancel(false);
        }
        deadline = deadlineNanos;
        timer = executor.schedule(fire, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        task.run();
    }
}
