package dev.gatehouse.clientcert;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * One element of an Envoy {@code X-Forwarded-Client-Cert} header: what one proxy on the way knew
 * about its client.
 *
 * <p>Elements are separated by {@code ,}; each is a list of {@code Key=Value} pairs separated by
 * {@code ;}. A value may be a double-quoted string, inside which {@code ,}, {@code ;} and {@code =}
 * are plain characters and {@code \"} and {@code \\} stand for {@code "} and {@code \}. Keys are
 * case-insensitive; the ones read here:
 * <ul>
 *   <li>{@code By}: a URI SAN of the proxy's own certificate (may repeat);</li>
 *   <li>{@code Hash}: hex SHA-256 of the client's leaf certificate (DER);</li>
 *   <li>{@code Cert}: the client's leaf certificate, percent-encoded PEM;</li>
 *   <li>{@code Chain}: the client's whole chain, leaf included, percent-encoded PEM;</li>
 *   <li>{@code Subject}: the leaf's subject DN as the proxy printed it;</li>
 *   <li>{@code URI}, {@code DNS}: the leaf's URI and DNS SANs (each may repeat).</li>
 * </ul>
 * Other keys are skipped, so newer proxies do not break older backends. When a header holds
 * several elements (several proxies appended to it), the first was added by the proxy farthest from
 * the backend and the last by the nearest one.
 *
 * <p>Instances are immutable; {@link #parseAll(String)} creates them.
 */
public final class XfccElement {

    private final int offset;
    private final List<String> by;
    private final String hash;
    private final X509Certificate cert;
    private final List<X509Certificate> chain;
    private final String subject;
    private final List<String> uris;
    private final List<String> dns;

    XfccElement(int offset, List<String> by, String hash, X509Certificate cert, List<X509Certificate> chain,
                String subject, List<String> uris, List<String> dns) {
        this.offset = offset;
        this.by = List.copyOf(by);
        this.hash = hash;
        this.cert = cert;
        this.chain = List.copyOf(chain);
        this.subject = subject;
        this.uris = List.copyOf(uris);
        this.dns = List.copyOf(dns);
    }

    /**
     * Parses every element of an {@code X-Forwarded-Client-Cert} value, in header order (farthest
     * proxy first). Certificates in {@code Cert} and {@code Chain} are decoded, and a {@code Hash}
     * that does not match the leaf is an error.
     *
     * @throws ForwardedClientCertException if the value is not valid XFCC
     */
    public static List<XfccElement> parseAll(String headerValue) {
        return Xfcc.parse(ForwardedClientCert.requireValue(headerValue), DerCertificates.factory());
    }

    /** Offset of this element's first character in the header value. */
    public int offset() {
        return offset;
    }

    /** The {@code By} values, in order; empty if none. */
    public List<String> by() {
        return by;
    }

    /** The {@code Hash} value as written (hex SHA-256 of the leaf's DER). */
    public Optional<String> hash() {
        return Optional.ofNullable(hash);
    }

    /** The certificate of {@code Cert}. */
    public Optional<X509Certificate> cert() {
        return Optional.ofNullable(cert);
    }

    /** The certificates of {@code Chain}, leaf first; empty if the element has no {@code Chain}. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * The client's certificates: {@code Chain} if present, else {@code Cert} alone, else empty.
     */
    public List<X509Certificate> certificates() {
        if (!chain.isEmpty()) {
            return chain;
        }
        return cert == null ? List.of() : List.of(cert);
    }

    /** The {@code Subject} value, unquoted. */
    public Optional<String> subject() {
        return Optional.ofNullable(subject);
    }

    /** The {@code URI} values, in order. */
    public List<String> uris() {
        return uris;
    }

    /** The {@code DNS} values, in order. */
    public List<String> dns() {
        return dns;
    }

    @Override
    public String toString() {
        return "XfccElement{by=" + by + ", hash=" + hash + ", cert=" + (cert == null ? "-" : cert.getSubjectX500Principal())
                + ", chain=" + chain.size() + " certificates, subject=" + subject + ", uris=" + uris + ", dns=" + dns + "}";
    }
}
