package dev.gatehouse.server.config;

/**
 * {@code admin}: the admin listener (health, readiness, Prometheus metrics, the JSON API and the dashboard),
 * plain HTTP or, with {@code tls}, HTTPS. Absent from the file: no admin listener. Read at start only: a
 * reload moves neither its address nor its TLS material.
 *
 * @param address   {@code address}: where it listens, e.g. {@code 127.0.0.1:9901} (port 0: any free port)
 * @param addressAt where the address was configured, for an address that cannot be bound
 * @param tls       {@code tls}: its certificates, as a listener's, or {@code null} for plain HTTP
 * @param mutualAuthentication {@code mutual_authentication} (needs {@code tls}), or {@code null} for none
 */
public record AdminConfig(TargetAddress address, ConfigLocation addressAt, TlsConfig tls,
                          MutualAuthConfig mutualAuthentication) {
    /** A plain-HTTP admin listener. */
    public AdminConfig(TargetAddress address, ConfigLocation addressAt) {
        this(address, addressAt, null, null);
    }
}
