package dev.gatehouse.server.connection;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A listener's {@code server_names}, compiled: which TLS policy serves a host name. Policy {@code 0} is the
 * listener's own (every name no entry lists, clients without SNI, IP addresses); entry {@code i} of
 * {@code server_names} is policy {@code i + 1}. An exact name wins over a wildcard; {@code *.example.com}
 * covers one label ({@code a.example.com}, not {@code a.b.example.com} nor {@code example.com}), as a
 * certificate's wildcard does. Names compare case-insensitively, a trailing dot ignored.
 *
 * <p>Immutable and thread-safe; built once per runtime state. Both the SNI of a handshake and the
 * {@code Host} (or {@code :authority}) of every request are looked up here, so a request is served only
 * by the policy its connection's handshake was judged under.
 */
public final class ServerNames {
    private final Map<String, Integer> exact;
    private final Map<String, Integer> wildcards;

    private ServerNames(Map<String, Integer> exact, Map<String, Integer> wildcards) {
        this.exact = exact;
        this.wildcards = wildcards;
    }

    /** @param namesByEntry the names of each {@code server_names} entry, in order (validated, lower-case) */
    public static ServerNames of(List<List<String>> namesByEntry) {
        Map<String, Integer> exact = new HashMap<>();
        Map<String, Integer> wildcards = new HashMap<>();
        for (int i = 0; i < namesByEntry.size(); i++) {
            for (String name : namesByEntry.get(i)) {
                if (name.startsWith("*.")) {
                    wildcards.put(name.substring(2), i + 1);
                } else {
                    exact.put(name, i + 1);
                }
            }
        }
        return new ServerNames(Map.copyOf(exact), Map.copyOf(wildcards));
    }

    /** The policy serving {@code name} (a server name or a host, without port); {@code null} is policy 0. */
    public int policyOf(String name) {
        if (name == null || name.isEmpty()) {
            return 0;
        }
        String host = name.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        Integer p = exact.get(host);
        if (p != null) {
            return p;
        }
        int dot = host.indexOf('.');
        if (dot > 0) {
            p = wildcards.get(host.substring(dot + 1));
        }
        return p == null ? 0 : p;
    }

    /** The policy serving a {@code Host} header's value ({@code host[:port]}, {@code [v6]:port}). */
    public int policyOfHost(String hostHeader) {
        if (hostHeader == null) {
            return 0;
        }
        String host = hostHeader.strip();
        if (host.startsWith("[")) {
            return 0; // an IPv6 address: never a server name
        }
        int colon = host.lastIndexOf(':');
        return policyOf(colon >= 0 ? host.substring(0, colon) : host);
    }

    /**
     * The policy a connection's handshake selected, with the table it was selected from.
     *
     * @param names  the listener's server names
     * @param policy the selected policy's number
     */
    public record Selection(ServerNames names, int policy) {
        /** Whether a request with this {@code Host} value may be served on the connection. */
        public boolean serves(String hostHeader) {
            return names.policyOfHost(hostHeader) == policy;
        }
    }
}
