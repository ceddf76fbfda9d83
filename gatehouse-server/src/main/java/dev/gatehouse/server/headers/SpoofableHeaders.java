package dev.gatehouse.server.headers;

import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ServerNameConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request headers that could carry a client identity, which a client must never be able to supply:
 * the identity header names of every listener of the configuration (defaults and renames, those of its
 * {@code server_names} too), and whole
 * families of names that other proxies and servers use to forward a client certificate or its verdict
 * ({@link #FAMILIES}). Names compare case-insensitively with {@code _} and {@code -} alike (some servers
 * fold the two). Computed once per configuration.
 *
 * <h2>Families</h2>
 * A family is a name and every name that extends it with {@code -} (or {@code _}): the family
 * {@code X-SSL-Client} holds {@code X-SSL-Client-Verify}, {@code X_SSL_CLIENT_S_DN} and so on, but not
 * {@code X-SSL-Clients}.
 *
 * <h2>Cost</h2>
 * {@link #strip} is on every request: it walks each header name once through a precomputed character
 * trie of the normalised names, allocates nothing unless a header is to be removed, and stops at the
 * first character no spoofable name has (most ordinary names end on their first or second character).
 */
public final class SpoofableHeaders {
    /**
     * Families of names that other proxies and servers use for a forwarded client certificate, its fields
     * or its verification result (Envoy, Traefik, RFC 9440, nginx and HAProxy conventions, Apache's
     * {@code SSL_CLIENT_*} variables, IIS ARR, cloud load balancers), and the load balancer's own
     * {@code X-Amzn-Mtls-Clientcert} family, whatever suffix.
     */
    public static final List<String> FAMILIES = List.of(
            "X-Amzn-Mtls-Clientcert",
            "X-Forwarded-Client-Cert",
            "X-Forwarded-Tls-Client-Cert",
            "Client-Cert",
            "X-Client-Cert",
            "X-Client-Certificate",
            "X-Client-Verify",
            "X-Client-DN",
            "X-Client-S-DN",
            "X-Client-I-DN",
            "X-SSL-Cert",
            "X-SSL-Client",
            "SSL-Client",
            "X-ARR-ClientCert");

    /** Node of the trie over normalised names: lower-case ASCII letters and digits, and '-'. */
    private static final class Node {
        final Node[] next = new Node[ALPHABET];
        /** A name ends here: the header is spoofable if its name ends here too. */
        boolean exact;
        /** A family ends here: the header is spoofable if its name ends here or goes on with '-'. */
        boolean family;
    }

    private static final int DASH = 36;
    private static final int ALPHABET = DASH + 1;

    private final Node root;
    /** Configured names with characters outside the trie's alphabet (rare), normalised as {@link #normalise}. */
    private final Set<String> others;

    private SpoofableHeaders(Node root, Set<String> others) {
        this.root = root;
        this.others = others;
    }

    /** The set for {@code config}: every listener's identity header names, plus {@link #FAMILIES}. */
    public static SpoofableHeaders of(GatewayConfig config) {
        Node root = new Node();
        for (String family : FAMILIES) {
            add(root, family).family = true;
        }
        Set<String> others = new HashSet<>();
        List<String> exact = new ArrayList<>();
        for (IdentityHeader h : IdentityHeader.values()) {
            exact.add(h.defaultName());
        }
        for (ListenerConfig l : config.listeners()) {
            exact.addAll(l.mutualAuthentication().headerNames().values());
            for (ServerNameConfig sn : l.serverNames()) {
                exact.addAll(sn.mutualAuthentication().headerNames().values());
            }
        }
        for (String name : exact) {
            Node n = add(root, name);
            if (n != null) {
                n.exact = true;
            } else {
                others.add(normalise(name));
            }
        }
        return new SpoofableHeaders(root, Set.copyOf(others));
    }

    /** The node where {@code name} ends, or {@code null} if it has a character outside the alphabet. */
    private static Node add(Node root, String name) {
        for (int i = 0; i < name.length(); i++) {
            if (index(name.charAt(i)) < 0) {
                return null;
            }
        }
        Node n = root;
        for (int i = 0; i < name.length(); i++) {
            int c = index(name.charAt(i));
            if (n.next[c] == null) {
                n.next[c] = new Node();
            }
            n = n.next[c];
        }
        return n;
    }

    /** The trie index of a header-name character: case folded, '_' as '-'; -1 for any other character. */
    private static int index(char c) {
        if (c >= 'a' && c <= 'z') {
            return c - 'a';
        }
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= '0' && c <= '9') {
            return 26 + c - '0';
        }
        if (c == '-' || c == '_') {
            return DASH;
        }
        return -1;
    }

    private static String normalise(CharSequence name) {
        return name.toString().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a header named {@code name} could carry a client identity. */
    public boolean isSpoofable(CharSequence name) {
        return inTrie(name) || (!others.isEmpty() && others.contains(normalise(name)));
    }

    private boolean inTrie(CharSequence name) {
        Node n = root;
        int length = name.length();
        for (int i = 0; i < length; i++) {
            int c = index(name.charAt(i));
            if (c == DASH && n.family) {
                return true;
            }
            if (c < 0 || (n = n.next[c]) == null) {
                return false;
            }
        }
        return n.exact || n.family;
    }

    /** Removes every spoofable header from {@code headers}, in one pass over their names. */
    public void strip(HttpHeaders headers) {
        List<CharSequence> found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isSpoofable(name)) {
                if (found == null) {
                    found = new ArrayList<>(2);
                }
                found.add(name);
            }
        }
        if (found != null) {
            for (CharSequence name : found) {
                // Removes every value under that name; names differing in case only go with it.
                headers.remove(name);
            }
        }
    }
}
