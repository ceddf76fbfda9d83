package dev.gatehouse.server.observe;

/**
 * Where the gateway is in its life, as {@code /readyz} reports it: only {@link #SERVING} is ready.
 */
public enum Readiness {
    /** Building its state and binding its listeners. */
    STARTING,
    /** Every listener bound and accepting. */
    SERVING,
    /** Stopping: no longer accepting, in-flight requests finishing. */
    DRAINING
}
