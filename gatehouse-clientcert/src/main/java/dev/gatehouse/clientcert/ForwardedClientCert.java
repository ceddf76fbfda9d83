package dev.gatehouse.clientcert;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A client certificate chain as a proxy forwarded it in a header, decoded exactly; and the encoders
 * that write such headers (the Gatehouse gateway writes its headers with them).
 *
 * <h2>Decoding</h2>
 * <pre>{@code
 * ForwardedClientCert cert = ForwardedClientCert.decode(request.getHeader("X-Amzn-Mtls-Clientcert"));
 * X509Certificate leaf = cert.leaf();
 * }</pre>
 * {@link #decode(String)} detects the {@link Format} from the value's first characters:
 * {@code -----BEGIN%20} or {@code -----BEGIN%0A}... is percent-encoded PEM ({@link Format#NGINX_ESCAPED_PEM}
 * if {@code + / =} appear only escaped, else {@link Format#URL_ENCODED_PEM}); {@code -----BEGIN } with a
 * raw space is {@link Format#PEM}; {@code :} is {@link Format#RFC9440}; a known XFCC key followed by
 * {@code =} ({@code By=}, {@code Hash=}, {@code Cert=}, {@code Chain=}, {@code Subject=}, {@code URI=},
 * {@code DNS=}) is {@link Format#ENVOY_XFCC}; base64 is {@link Format#TRAEFIK}. When you know the format,
 * {@link #decode(Format, String)} is stricter. Leading and trailing spaces and tabs are ignored.
 *
 * <p>A value that is malformed in any way (bad percent-escape, bad base64, a line broken by a
 * {@code +} that some decoder turned into a space, truncated DER, bytes after the certificate, a
 * {@code Hash} that does not match) throws {@link ForwardedClientCertException} with the offset of the
 * problem: the result is the exact certificates that were encoded, or an exception.
 *
 * <h2>Encoding</h2>
 * {@link #encode(Format, List)} writes a chain (leaf first) in any format;
 * {@link #encodeUrlPem(List)} is the allocation-light form of the load-balancer header for the gateway.
 *
 * <p>Instances are immutable and thread-safe; the static methods are thread-safe.
 */
public final class ForwardedClientCert {

    private static final String[] XFCC_KEYS = {"by", "hash", "cert", "chain", "subject", "uri", "dns"};

    private final Format format;
    private final List<X509Certificate> chain;
    private final List<XfccElement> xfccElements;

    private ForwardedClientCert(Format format, List<X509Certificate> chain, List<XfccElement> xfccElements) {
        this.format = format;
        this.chain = List.copyOf(chain);
        this.xfccElements = List.copyOf(xfccElements);
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes a header value, detecting its format (see the class documentation).
     *
     * @throws ForwardedClientCertException if the format is not recognised or the value is malformed
     */
    public static ForwardedClientCert decode(String headerValue) {
        return decode(detect(headerValue), headerValue);
    }

    /**
     * Decodes a header value of a known format. For {@link Format#RFC9440} the value is that of
     * {@code Client-Cert} (the leaf only); use {@link #decodeRfc9440(String, String)} to add
     * {@code Client-Cert-Chain}.
     *
     * @throws ForwardedClientCertException if the value is malformed
     */
    public static ForwardedClientCert decode(Format format, String headerValue) {
        if (format == null) {
            throw new NullPointerException("format (expected: a Format)");
        }
        String value = requireValue(headerValue);
        CertificateFactory factory = DerCertificates.factory();
        SourceText text = trimmed(value);
        switch (format) {
            case URL_ENCODED_PEM:
            case NGINX_ESCAPED_PEM:
                return new ForwardedClientCert(format, PemBlocks.certificates(PercentEncoding.decode(text), factory), List.of());
            case PEM:
                return new ForwardedClientCert(format, PemBlocks.certificates(text, factory), List.of());
            case TRAEFIK:
                return new ForwardedClientCert(format, Base64List.parseTraefik(text, factory), List.of());
            case RFC9440:
                return new ForwardedClientCert(format, List.of(parseClientCert(text, factory)), List.of());
            case ENVOY_XFCC:
                return fromXfcc(Xfcc.parse(value, factory), value);
            default:
                throw new AssertionError(format);
        }
    }

    /**
     * Decodes RFC 9440's pair of headers: {@code Client-Cert} (the leaf, {@code :base64:}) and
     * {@code Client-Cert-Chain} (the certificates after the leaf, {@code :base64:, :base64:}), which
     * may be {@code null} or blank when the proxy sent none. Offsets in errors refer to the header
     * the message names.
     *
     * @throws ForwardedClientCertException if either value is malformed
     */
    public static ForwardedClientCert decodeRfc9440(String clientCert, String clientCertChain) {
        CertificateFactory factory = DerCertificates.factory();
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(parseClientCert(trimmed(requireValue(clientCert)), factory));
        if (clientCertChain != null && !clientCertChain.isBlank()) {
            chain.addAll(Base64List.parseByteSequences(trimmed(clientCertChain), factory, "Client-Cert-Chain"));
        }
        return new ForwardedClientCert(Format.RFC9440, chain, List.of());
    }

    /**
     * The format {@link #decode(String)} would use for this value, from its first characters only
     * (the value is not validated).
     *
     * @throws ForwardedClientCertException if no format starts like this value
     */
    public static Format detect(String headerValue) {
        String value = requireValue(headerValue);
        SourceText t = trimmed(value);
        String s = t.toString();
        if (s.startsWith("-----BEGIN")) {
            if (s.startsWith("-----BEGIN%")) {
                return percentEncodedPemFormat(s);
            }
            return Format.PEM;
        }
        if (s.regionMatches(true, 0, "%2D%2D%2D%2D%2DBEGIN", 0, 20)) {
            return percentEncodedPemFormat(s);
        }
        if (s.startsWith(":")) {
            return Format.RFC9440;
        }
        int eq = s.indexOf('=');
        if (eq > 0) {
            String key = s.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            for (String k : XFCC_KEYS) {
                if (k.equals(key)) {
                    return Format.ENVOY_XFCC;
                }
            }
        }
        if (Base64Text.isBase64Char(s.charAt(0))) {
            return Format.TRAEFIK;
        }
        throw new ForwardedClientCertException("unrecognised forwarded certificate: starts with "
                + Texts.quote(t, 0, 16) + " (expected: -----BEGIN%20CERTIFICATE----- (URL-encoded PEM),"
                + " -----BEGIN CERTIFICATE----- (PEM), :base64: (RFC 9440), Key=Value (Envoy XFCC)"
                + " or base64 DER (Traefik))", t.offsetOf(0));
    }

    private static Format percentEncodedPemFormat(String s) {
        boolean literal = s.indexOf('+') >= 0 || s.indexOf('/') >= 0 || s.indexOf('=') >= 0;
        String upper = s.toUpperCase(Locale.ROOT);
        boolean escaped = upper.contains("%2B") || upper.contains("%2F") || upper.contains("%3D");
        return escaped && !literal ? Format.NGINX_ESCAPED_PEM : Format.URL_ENCODED_PEM;
    }

    private static X509Certificate parseClientCert(SourceText text, CertificateFactory factory) {
        List<X509Certificate> certs = Base64List.parseByteSequences(text, factory, "Client-Cert");
        if (certs.size() != 1) {
            throw new ForwardedClientCertException("Client-Cert holds " + certs.size() + " byte sequences"
                    + " (expected: 1, the leaf; the certificates after it belong in Client-Cert-Chain)",
                    text.offsetOf(0));
        }
        return certs.get(0);
    }

    private static ForwardedClientCert fromXfcc(List<XfccElement> elements, String value) {
        XfccElement nearest = elements.get(elements.size() - 1);
        if (nearest.certificates().isEmpty()) {
            throw new ForwardedClientCertException("XFCC element " + elements.size() + " (the last, added by"
                    + " the nearest proxy) has no Cert or Chain (expected: the proxy configured to forward the"
                    + " certificate, in Envoy set_current_client_cert_details with cert: true or chain: true);"
                    + " XfccElement.parseAll reads the other fields", nearest.offset());
        }
        return new ForwardedClientCert(Format.ENVOY_XFCC, nearest.certificates(), elements);
    }

    static String requireValue(String headerValue) {
        if (headerValue == null) {
            throw new ForwardedClientCertException("header value is null (expected: the header's value)", 0);
        }
        if (headerValue.isBlank()) {
            throw new ForwardedClientCertException("header value is empty (expected: a certificate)", 0);
        }
        return headerValue;
    }

    private static SourceText trimmed(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        return SourceText.of(value).sub(start, end);
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes a chain, leaf first, as a header value of {@code format}, exactly as that format is
     * documented on its {@link Format} constant. For {@link Format#RFC9440} this is the value of
     * {@code Client-Cert} (the leaf only): send {@link #encodeRfc9440Chain(List)} in
     * {@code Client-Cert-Chain}. For {@link Format#NGINX_ESCAPED_PEM} (a leaf-only variable in nginx)
     * all certificates are written. For {@link Format#ENVOY_XFCC} one element:
     * {@code Hash=<hex SHA-256>;Cert="<escaped PEM>";Chain="<escaped PEM>";Subject="<RFC 2253>";URI=..;DNS=..},
     * with {@code Chain} only when there is more than the leaf.
     *
     * @throws IllegalArgumentException if {@code chain} is empty or holds a null
     */
    public static String encode(Format format, List<X509Certificate> chain) {
        if (format == null) {
            throw new NullPointerException("format (expected: a Format)");
        }
        List<byte[]> ders = ders(chain);
        switch (format) {
            case URL_ENCODED_PEM:
                return UrlPem.encodeLoadBalancer(ders);
            case NGINX_ESCAPED_PEM:
                return UrlPem.encodeEscaped(ders);
            case PEM:
                return PemBlocks.writeCertificates(ders);
            case TRAEFIK: {
                StringBuilder sb = new StringBuilder();
                for (byte[] der : ders) {
                    sb.append(sb.length() == 0 ? "" : ",").append(java.util.Base64.getEncoder().encodeToString(der));
                }
                return sb.toString();
            }
            case RFC9440:
                return byteSequence(ders.get(0));
            case ENVOY_XFCC:
                return Xfcc.encode(chain);
            default:
                throw new AssertionError(format);
        }
    }

    /**
     * The load-balancer form ({@link Format#URL_ENCODED_PEM}, what {@code X-Amzn-Mtls-Clientcert} and
     * {@code X-Amzn-Mtls-Clientcert-Leaf} carry) straight from DER: for each certificate, leaf first,
     * {@code -----BEGIN%20CERTIFICATE-----%0A}, the base64 of its DER in 64-character lines each
     * followed by {@code %0A}, then {@code -----END%20CERTIFICATE-----%0A}; {@code +}, {@code /} and
     * {@code =} literal. One array of the exact length is written, then one String made of it.
     *
     * @param derCertificates DER of each certificate, leaf first; not modified
     * @throws IllegalArgumentException if the list is null or empty, or holds a null or empty array
     */
    public static String encodeUrlPem(List<byte[]> derCertificates) {
        return UrlPem.encodeLoadBalancer(derCertificates);
    }

    /**
     * An Envoy {@code X-Forwarded-Client-Cert} element for a chain (leaf first), as
     * {@link #encode(Format, List)} writes it for {@link Format#ENVOY_XFCC}, but with {@code subject} as the
     * value of {@code Subject}: the leaf's subject in the caller's printed form (Envoy prints OpenSSL's
     * RFC 2253 form, e.g. {@code emailAddress=} where the JDK writes a dotted OID). The gateway passes the
     * form of its other headers and logs.
     *
     * @throws IllegalArgumentException if {@code chain} is empty or holds a null, or {@code subject} is null
     */
    public static String encodeXfcc(List<X509Certificate> chain, String subject) {
        ders(chain);
        if (subject == null) {
            throw new IllegalArgumentException("subject: null (expected: the leaf's subject as printed)");
        }
        return Xfcc.encode(chain, subject);
    }

    /**
     * The RFC 9440 {@code Client-Cert-Chain} value for a chain (leaf first): the certificates after the
     * leaf, each {@code :base64:}, separated by {@code ", "}. Empty when the chain is the leaf alone:
     * then send no {@code Client-Cert-Chain} header.
     */
    public static Optional<String> encodeRfc9440Chain(List<X509Certificate> chain) {
        List<byte[]> ders = ders(chain);
        if (ders.size() == 1) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ders.size(); i++) {
            sb.append(i == 1 ? "" : ", ").append(byteSequence(ders.get(i)));
        }
        return Optional.of(sb.toString());
    }

    private static String byteSequence(byte[] der) {
        return ':' + java.util.Base64.getEncoder().encodeToString(der) + ':';
    }

    private static List<byte[]> ders(List<X509Certificate> chain) {
        if (chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("chain: " + chain + " (expected: at least the leaf certificate)");
        }
        List<byte[]> ders = new ArrayList<>(chain.size());
        for (int i = 0; i < chain.size(); i++) {
            if (chain.get(i) == null) {
                throw new IllegalArgumentException("chain[" + i + "]: null (expected: a certificate)");
            }
            ders.add(DerCertificates.encoded(chain.get(i)));
        }
        return ders;
    }

    // ---------------------------------------------------------------- accessors

    /** The client's own certificate: the first of {@link #chain()}. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The certificates as forwarded, leaf first; never empty. Unmodifiable. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The format the value was decoded from. */
    public Format format() {
        return format;
    }

    /**
     * For {@link Format#ENVOY_XFCC}, every element of the header, farthest proxy first (the chain is the
     * last element's); empty for other formats.
     */
    public List<XfccElement> xfccElements() {
        return xfccElements;
    }

    /**
     * The chain as a new array, leaf first: the form of the servlet request attribute
     * {@code jakarta.servlet.request.X509Certificate}.
     */
    public X509Certificate[] toArray() {
        return chain.toArray(new X509Certificate[0]);
    }

    /** Equal when format and certificates (by DER) are equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ForwardedClientCert)) {
            return false;
        }
        ForwardedClientCert other = (ForwardedClientCert) o;
        return format == other.format && chain.equals(other.chain);
    }

    @Override
    public int hashCode() {
        return 31 * format.hashCode() + chain.hashCode();
    }

    @Override
    public String toString() {
        return "ForwardedClientCert{format=" + format + ", leaf=" + leaf().getSubjectX500Principal().getName()
                + ", certificates=" + chain.size() + "}";
    }
}
