package dev.gatehouse.server.config;

/**
 * {@code admin}: the admin listener (health, readiness, Prometheus metrics, the JSON API and the dashboard),
 * plain HTTP. Absent from the file: no admin listener.
 *
 * @param address   {@code address}: where it listens, e.g. {@code 127.0.0.1:9901} (port 0: any free port)
 * @param addressAt where the address was configured, for an address that cannot be bound
 */
public record AdminConfig(TargetAddress address, ConfigLocation addressAt) {}
