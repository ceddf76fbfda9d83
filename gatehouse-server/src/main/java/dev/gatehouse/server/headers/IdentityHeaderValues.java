package dev.gatehouse.server.headers;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.MutualAuthConfig;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity headers of one connection, computed once when its handshake ends (never per request):
 * names per the listener's renames, values in the byte-exact forms of DESIGN.md.
 *
 * <h2>Returning clients</h2>
 * A verified identity comes from a cached verdict ({@link dev.gatehouse.pki.Verdict#identity()}), the
 * same instance for every connection of a returning client; its headers are remembered per identity and
 * listener settings (by instance, at most {@value #MAX_REMEMBERED} pairs, forgotten all at once when
 * full), so such a connection does not encode the leaf again. Thread-safe.
 */
public final class IdentityHeaderValues {
    static final int MAX_REMEMBERED = 1024;

    private static final ConcurrentHashMap<Remembered, List<Map.Entry<String, String>>> VERIFIED =
            new ConcurrentHashMap<>();

    private IdentityHeaderValues() {}

    /** Verify mode: serial, issuer, subject, validity and the URL-encoded PEM leaf. */
    public static List<Map.Entry<String, String>> verified(MutualAuthConfig config, ClientIdentity identity) {
        Remembered key = new Remembered(identity, config);
        List<Map.Entry<String, String>> known = VERIFIED.get(key);
        if (known != null) {
            return known;
        }
        List<Map.Entry<String, String>> h = encodeVerified(config, identity);
        if (VERIFIED.size() >= MAX_REMEMBERED) {
            VERIFIED.clear();
        }
        VERIFIED.put(key, h);
        return h;
    }

    private static List<Map.Entry<String, String>> encodeVerified(MutualAuthConfig config, ClientIdentity identity) {
        List<Map.Entry<String, String>> h = new ArrayList<>(5);
        h.add(Map.entry(config.headerName(IdentityHeader.SERIAL_NUMBER), identity.serialNumber()));
        h.add(Map.entry(config.headerName(IdentityHeader.ISSUER), identity.issuer()));
        h.add(Map.entry(config.headerName(IdentityHeader.SUBJECT), identity.subject()));
        h.add(Map.entry(config.headerName(IdentityHeader.VALIDITY), identity.validity()));
        h.add(Map.entry(config.headerName(IdentityHeader.LEAF),
                ForwardedClientCert.encodeUrlPem(List.of(der(identity.leaf())))));
        return List.copyOf(h);
    }

    /** Passthrough mode: the whole chain as presented, URL-encoded PEM. */
    public static List<Map.Entry<String, String>> passthrough(MutualAuthConfig config, X509Certificate[] presented) {
        List<byte[]> ders = new ArrayList<>(presented.length);
        for (X509Certificate c : presented) {
            ders.add(der(c));
        }
        return List.of(Map.entry(config.headerName(IdentityHeader.CLIENTCERT), ForwardedClientCert.encodeUrlPem(ders)));
    }

    /** Identity and settings by instance: equal certificates from different verdicts are simply encoded again. */
    private record Remembered(ClientIdentity identity, MutualAuthConfig config) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Remembered r && r.identity == identity && r.config == config;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(identity) * 31 + System.identityHashCode(config);
        }
    }

    private static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }
}
