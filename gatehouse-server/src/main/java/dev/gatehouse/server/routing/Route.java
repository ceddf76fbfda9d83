package dev.gatehouse.server.routing;

/**
 * The outcome of routing one request: which rule decided ({@code "default"} for the listener's
 * {@code default_action}, else the rule's priority) and what to do. Built once per configuration; routing
 * a request allocates nothing.
 *
 * @param name   the rule's name in the access log
 * @param action what to do
 */
public record Route(String name, Action action) {
    public static final String DEFAULT = "default";
}
