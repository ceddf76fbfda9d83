package dev.gatehouse.server.headers;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.Format;
import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.MutualAuthConfig.ForwardFormat;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** {@code X-Forwarded-Client-Cert} ({@code forward: [xfcc]}). */
    public static final String XFCC = "X-Forwarded-Client-Cert";
    /** {@code Client-Cert} ({@code forward: [rfc9440]}): the leaf. */
    public static final String CLIENT_CERT = "Client-Cert";
    /** {@code Client-Cert-Chain} ({@code forward: [rfc9440]}): the certificates after the leaf, if any. */
    public static final String CLIENT_CERT_CHAIN = "Client-Cert-Chain";

    /**
     * A verified certificate (verify and optional mode), in each format of {@code forward}: {@code alb} is
     * the serial, issuer, subject, validity and the URL-encoded PEM leaf; {@code xfcc} and {@code rfc9440}
     * carry the chain as presented.
     */
    public static List<Map.Entry<String, String>> verified(MutualAuthConfig config, ClientIdentity identity,
                                                          X509Certificate[] presented) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(8);
        for (ForwardFormat format : config.forward()) {
            if (format == ForwardFormat.ALB) {
                headers.add(Map.entry(config.headerName(IdentityHeader.SERIAL_NUMBER), identity.serialNumber()));
                headers.add(Map.entry(config.headerName(IdentityHeader.ISSUER), identity.issuer()));
                headers.add(Map.entry(config.headerName(IdentityHeader.SUBJECT), identity.subject()));
                headers.add(Map.entry(config.headerName(IdentityHeader.VALIDITY), identity.validity()));
                headers.add(Map.entry(config.headerName(IdentityHeader.LEAF), identity.leafUrlEncodedPem()));
            } else {
                other(format, presented, identity.subject(), headers);
            }
        }
        return List.copyOf(headers);
    }

    /** Passthrough mode: the whole chain as presented, in each format of {@code forward} ({@code alb}: URL-encoded PEM). */
    public static List<Map.Entry<String, String>> passthrough(MutualAuthConfig config, X509Certificate[] presented) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(3);
        for (ForwardFormat format : config.forward()) {
            if (format == ForwardFormat.ALB) {
                List<byte[]> ders = new ArrayList<>(presented.length);
                for (X509Certificate c : presented) {
                    ders.add(der(c));
                }
                headers.add(Map.entry(config.headerName(IdentityHeader.CLIENTCERT), ForwardedClientCert.encodeUrlPem(ders)));
            } else {
                other(format, presented, CertificateNames.distinguishedName(presented[0].getSubjectX500Principal()),
                        headers);
            }
        }
        return List.copyOf(headers);
    }

    /**
     * The {@code xfcc} or {@code rfc9440} headers of a chain, written by gatehouse-clientcert's encoders; the
     * XFCC {@code Subject} is the leaf's subject in the form of the other headers and the logs.
     */
    private static void other(ForwardFormat format, X509Certificate[] presented, String subject,
                              List<Map.Entry<String, String>> headers) {
        List<X509Certificate> chain = Arrays.asList(presented);
        if (format == ForwardFormat.XFCC) {
            headers.add(Map.entry(XFCC, ForwardedClientCert.encodeXfcc(chain, subject)));
        } else {
            headers.add(Map.entry(CLIENT_CERT, ForwardedClientCert.encode(Format.RFC9440, chain)));
            ForwardedClientCert.encodeRfc9440Chain(chain).ifPresent(v -> headers.add(Map.entry(CLIENT_CERT_CHAIN, v)));
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
