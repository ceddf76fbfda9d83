package dev.gatehouse.server.headers;

import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.ListenerConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The request headers that could carry a client identity, which a client must never be able to supply:
 * the identity header names of every listener of the configuration (defaults and renames), the same names
 * with {@code _} for {@code -} (some servers fold the two), and the forwarded-certificate headers of other
 * proxies. Computed once per configuration; {@link #strip} removes them case-insensitively.
 */
public final class SpoofableHeaders {
    /** Forwarded-certificate headers used by other proxies and servers. */
    public static final List<String> OTHER_PROXIES = List.of(
            "X-Forwarded-Client-Cert", "Client-Cert", "Client-Cert-Chain", "X-Forwarded-Tls-Client-Cert",
            "X-Forwarded-Tls-Client-Cert-Info", "X-SSL-Client-Cert", "X-SSL-Cert");

    private final AsciiString[] names;
    private final Set<AsciiString> dashForms;

    private SpoofableHeaders(AsciiString[] names) {
        this.names = names;
        Set<AsciiString> dashes = new java.util.HashSet<>();
        for (AsciiString n : names) {
            dashes.add(n.replace('_', '-'));
        }
        this.dashForms = Set.copyOf(dashes);
    }

    /** The set for {@code config}: every listener's identity header names, plus {@link #OTHER_PROXIES}. */
    public static SpoofableHeaders of(GatewayConfig config) {
        Set<String> lower = new LinkedHashSet<>();
        for (IdentityHeader h : IdentityHeader.values()) {
            addBothForms(lower, h.defaultName());
        }
        for (ListenerConfig l : config.listeners()) {
            for (String renamed : l.mutualAuthentication().headerNames().values()) {
                addBothForms(lower, renamed);
            }
        }
        for (String other : OTHER_PROXIES) {
            addBothForms(lower, other);
        }
        AsciiString[] names = new AsciiString[lower.size()];
        int i = 0;
        for (String n : lower) {
            names[i++] = AsciiString.cached(n);
        }
        return new SpoofableHeaders(names);
    }

    private static void addBothForms(Set<String> into, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        into.add(lower);
        into.add(lower.replace('-', '_'));
        into.add(lower.replace('_', '-'));
    }

    /** Removes every header of the set from {@code headers} (whose name lookups are case-insensitive). */
    public void strip(HttpHeaders headers) {
        for (AsciiString name : names) {
            headers.remove(name);
        }
        // Names that mix '_' and '-' (X-Amzn_Mtls-Clientcert): rare, so looked for only when present.
        List<CharSequence> mixed = null;
        for (java.util.Iterator<java.util.Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
             it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.indexOf(name, '_', 0) >= 0
                    && dashForms.contains(AsciiString.of(name).toLowerCase().replace('_', '-'))) {
                if (mixed == null) {
                    mixed = new java.util.ArrayList<>(2);
                }
                mixed.add(name);
            }
        }
        if (mixed != null) {
            for (CharSequence name : mixed) {
                headers.remove(name);
            }
        }
    }

    /** The lower-case names (for tests and documentation). */
    public List<AsciiString> names() {
        return List.of(names);
    }
}
