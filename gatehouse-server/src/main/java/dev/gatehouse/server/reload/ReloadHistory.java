package dev.gatehouse.server.reload;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the reloads of one gateway came to: the last outcome, when a configuration last loaded successfully
 * (the start counts), and how many reloads succeeded and failed. For the admin API and metrics.
 *
 * <p>Thread-safe: written by the (serialised) reloads, read by anyone.
 */
public final class ReloadHistory {
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile ReloadResult last;
    private volatile Instant lastSuccess;

    /** The configuration of {@code result} (generation 1) is serving: the gateway started. */
    public void started(ReloadResult result) {
        lastSuccess = result.at();
        last = result;
    }

    /** A reload ended with {@code result}. */
    public void record(ReloadResult result) {
        if (result.success()) {
            succeeded.incrementAndGet();
            lastSuccess = result.at();
        } else {
            failed.incrementAndGet();
        }
        last = result;
    }

    /** The last outcome (at start: generation 1, successful); {@code null} before the start completed. */
    public ReloadResult last() {
        return last;
    }

    /** When a configuration last loaded successfully (start or reload); {@code null} before the start completed. */
    public Instant lastSuccess() {
        return lastSuccess;
    }

    /** Reloads since start that succeeded ({@code true}) or failed ({@code false}). */
    public long count(boolean succeeded) {
        return (succeeded ? this.succeeded : failed).get();
    }
}
