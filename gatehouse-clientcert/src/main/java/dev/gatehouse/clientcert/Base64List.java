package dev.gatehouse.clientcert;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The two comma-separated base64 forms: Traefik's {@code X-Forwarded-Tls-Client-Cert} and the
 * RFC 8941 byte-sequence lists of RFC 9440.
 */
final class Base64List {

    private Base64List() {
    }

    /**
     * Traefik: base64 DER certificates joined by {@code ,}, leaf first; optional whitespace around
     * each. A value that contains {@code %} is percent-decoded first (some versions and proxies
     * escape it as a URL query component).
     */
    static List<X509Certificate> parseTraefik(SourceText value, CertificateFactory factory) {
        SourceText text = value.indexOf("%", 0) >= 0 ? PercentEncoding.decode(value) : value;
        List<X509Certificate> certificates = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (true) {
            int number = certificates.size() + 1;
            i = skipOws(text, i);
            int start = i;
            while (i < n && text.charAt(i) != ',' && text.charAt(i) != ' ' && text.charAt(i) != '\t') {
                i++;
            }
            SourceText item = text.sub(start, i);
            String what = "certificate " + number;
            if (item.length() == 0) {
                throw new ForwardedClientCertException(what + " is empty (expected: base64 DER, certificates"
                        + " separated by ',')", text.offsetOf(start));
            }
            byte[] der = Base64Text.decode(item, true, what);
            certificates.add(DerCertificates.parse(factory, der, item.offsetOf(0), what));
            i = skipOws(text, i);
            if (i == n) {
                return certificates;
            }
            if (text.charAt(i) != ',') {
                throw new ForwardedClientCertException("found " + Texts.quote(text, i, 16) + " after " + what
                        + " (expected: ',' or the end)", text.offsetOf(i));
            }
            i++;
        }
    }

    /**
     * RFC 8941 List of Byte Sequences ({@code :base64:}, separated by {@code ,} with optional
     * whitespace), as in {@code Client-Cert-Chain}; {@code Client-Cert} is the one-item case.
     */
    static List<X509Certificate> parseByteSequences(SourceText text, CertificateFactory factory, String header) {
        List<X509Certificate> certificates = new ArrayList<>();
        int n = text.length();
        int i = skipOws(text, 0);
        while (true) {
            int number = certificates.size() + 1;
            String what = header + " certificate " + number;
            if (i == n || text.charAt(i) != ':') {
                throw new ForwardedClientCertException("found " + (i == n ? "the end" : Texts.quote(text, i, 16))
                        + " (expected: ':' starting the byte sequence of " + what + ", as in :MIIB...:)",
                        text.offsetOf(i));
            }
            int close = text.indexOf(":", i + 1);
            if (close < 0) {
                throw new ForwardedClientCertException("byte sequence of " + what
                        + " has no closing ':' (expected: :base64:)", text.offsetOf(i));
            }
            SourceText b64 = text.sub(i + 1, close);
            byte[] der = Base64Text.decode(b64, false, what);
            certificates.add(DerCertificates.parse(factory, der, b64.offsetOf(0), what));
            i = skipOws(text, close + 1);
            if (i == n) {
                return certificates;
            }
            if (text.charAt(i) != ',') {
                throw new ForwardedClientCertException("found " + Texts.quote(text, i, 16) + " after " + what
                        + " (expected: ',' or the end; parameters are not defined for these fields)",
                        text.offsetOf(i));
            }
            i = skipOws(text, i + 1);
            if (i == n) {
                throw new ForwardedClientCertException("trailing ',' after " + what
                        + " (expected: another :base64: item)", text.offsetOf(i));
            }
        }
    }

    private static int skipOws(SourceText text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
