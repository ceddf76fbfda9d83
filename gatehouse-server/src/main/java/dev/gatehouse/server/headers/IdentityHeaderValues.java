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

/**
 * The identity headers of one connection, computed once when its handshake ends (never per request):
 * names per the listener's renames, values in the byte-exact forms of docs/mutual-tls.md
 * ("Identity header values").
 *
 * <h2>Returning clients</h2>
 * A verified identity comes from a cached verdict ({@link dev.gatehouse.pki.Verdict#identity()}), the
 * same instance for every connection of a returning client, and it keeps its own encoded forms (names,
 * serial, validity, {@link ClientIdentity#leafUrlEncodedPem()}): such a connection encodes nothing again.
 */
public final class IdentityHeaderValues {
    private IdentityHeaderValues() {}

    /** Verify mode: serial, issuer, subject, validity and the URL-encoded PEM leaf. */
    public static List<Map.Entry<String, String>> verified(MutualAuthConfig config, ClientIdentity identity) {
        return List.of(
                Map.entry(config.headerName(IdentityHeader.SERIAL_NUMBER), identity.serialNumber()),
                Map.entry(config.headerName(IdentityHeader.ISSUER), identity.issuer()),
                Map.entry(config.headerName(IdentityHeader.SUBJECT), identity.subject()),
                Map.entry(config.headerName(IdentityHeader.VALIDITY), identity.validity()),
                Map.entry(config.headerName(IdentityHeader.LEAF), identity.leafUrlEncodedPem()));
    }

    /** Passthrough mode: the whole chain as presented, URL-encoded PEM. */
    public static List<Map.Entry<String, String>> passthrough(MutualAuthConfig config, X509Certificate[] presented) {
        List<byte[]> ders = new ArrayList<>(presented.length);
        for (X509Certificate c : presented) {
            ders.add(der(c));
        }
        return List.of(Map.entry(config.headerName(IdentityHeader.CLIENTCERT), ForwardedClientCert.encodeUrlPem(ders)));
    }

    private static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }
}
