package dev.gatehouse.server.config;

import java.util.Objects;

/**
 * A host and port, as in {@code 127.0.0.1:9001}, {@code backend.internal:80} or {@code [::1]:8080}.
 * Immutable; build with {@link #fromString}.
 */
public final class TargetAddress {
    private final String host;
    private final int port;

    private TargetAddress(String host, int port) {
        this.host = host;
        this.port = port;
    }

    public static TargetAddress of(String host, int port) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host is empty (expected: a name or an IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port + " (expected: 0-65535)");
        }
        return new TargetAddress(host, port);
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port}. The port is required.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g. {@code "port out of range: 70000 (expected: 0-65535)"}
     */
    public static TargetAddress fromString(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("address is empty (expected: host:port)");
        }
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("bad address '" + s + "' (expected: [ipv6]:port)");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("bad address '" + s + "' (expected: host:port)");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port '" + portText + "' in '" + s + "' (expected: 0-65535)");
        }
        return of(host, port);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TargetAddress t && t.host.equals(host) && t.port == port;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port);
    }

    /** {@code host:port}, with brackets around IPv6 literals. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
