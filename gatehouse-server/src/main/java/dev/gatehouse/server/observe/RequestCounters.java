package dev.gatehouse.server.observe;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * The {@code gatehouse_requests_total} data points of one listener's state, by rule, target group and
 * status: a small open-addressed table keyed by the identity of the rule and group names (strings of the
 * route table, the same objects for every request) and the status. A request finds its data point with a
 * few comparisons and no allocation; only the first request of a combination asks the metric for it.
 *
 * <h2>Threading</h2>
 * Shared by the event loops. A slot is an immutable object published by a plain array store: a thread that
 * does not see another's store yet resolves the same data point again (the metric returns the one it has),
 * and at worst takes a second slot for it. A full table (more combinations than slots) falls back to the
 * metric's own lookup.
 */
final class RequestCounters {
    private static final int SLOTS = 256;
    private static final int PROBES = 8;

    private record Slot(String rule, String targetGroup, int status, CounterDataPoint counter) {}

    private final ListenerTelemetry listener;
    private final Slot[] slots = new Slot[SLOTS];

    RequestCounters(ListenerTelemetry listener) {
        this.listener = listener;
    }

    /** The data point of one request's outcome. */
    CounterDataPoint of(String rule, String targetGroup, int status) {
        int h = System.identityHashCode(rule) * 31 + System.identityHashCode(targetGroup) * 17 + status;
        h ^= h >>> 16;
        for (int i = 0; i < PROBES; i++) {
            int at = (h + i) & (SLOTS - 1);
            Slot s = slots[at];
            if (s == null) {
                CounterDataPoint counter = listener.request(rule, targetGroup, status);
                slots[at] = new Slot(rule, targetGroup, status, counter);
                return counter;
            }
            if (s.rule == rule && s.targetGroup == targetGroup && s.status == status) {
                return s.counter;
            }
        }
        return listener.request(rule, targetGroup, status);
    }
}
