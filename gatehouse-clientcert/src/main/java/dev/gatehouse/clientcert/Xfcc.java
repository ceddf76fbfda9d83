package dev.gatehouse.clientcert;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The Envoy {@code X-Forwarded-Client-Cert} grammar: see {@link XfccElement}. */
final class Xfcc {

    private Xfcc() {
    }

    static List<XfccElement> parse(String value, CertificateFactory factory) {
        SourceText src = SourceText.of(value);
        int n = src.length();
        List<XfccElement> elements = new ArrayList<>();
        int i = 0;
        while (true) {
            i = skipOws(src, i);
            int elementStart = i;
            int number = elements.size() + 1;
            if (i == n || src.charAt(i) == ',') {
                throw new ForwardedClientCertException("XFCC element " + number
                        + " is empty (expected: Key=Value pairs separated by ';')", src.offsetOf(i));
            }
            ElementBuilder element = new ElementBuilder(number, elementStart);
            boolean elementEnds = false;
            while (!elementEnds) {
                i = skipOws(src, i);
                int keyStart = i;
                while (i < n && src.charAt(i) != '=' && src.charAt(i) != ';' && src.charAt(i) != ',') {
                    i++;
                }
                String key = src.sub(keyStart, i).toString().trim();
                if (i == n || src.charAt(i) != '=' || key.isEmpty() || !isToken(key)) {
                    throw new ForwardedClientCertException("XFCC element " + number + ": found "
                            + Texts.quote(src, keyStart, 24) + " (expected: Key=Value, e.g. Hash=... or Cert=\"...\")",
                            src.offsetOf(keyStart));
                }
                i++; // '='
                SourceText val;
                if (i < n && src.charAt(i) == '"') {
                    int quote = i;
                    SourceText.Builder b = new SourceText.Builder(64);
                    i++;
                    while (true) {
                        if (i == n) {
                            throw new ForwardedClientCertException("XFCC element " + number + ": quoted value of "
                                    + key + " is not closed (expected: a closing '\"')", src.offsetOf(quote));
                        }
                        char c = src.charAt(i);
                        if (c == '"') {
                            b.end(src.offsetOf(i));
                            i++;
                            break;
                        }
                        if (c == '\\' && i + 1 < n) {
                            i++;
                            c = src.charAt(i);
                        }
                        b.append(c, src.offsetOf(i));
                        i++;
                    }
                    val = b.build();
                    i = skipOws(src, i);
                    if (i < n && src.charAt(i) != ';' && src.charAt(i) != ',') {
                        throw new ForwardedClientCertException("XFCC element " + number + ": found "
                                + Texts.quote(src, i, 16) + " after the quoted value of " + key
                                + " (expected: ';', ',' or the end)", src.offsetOf(i));
                    }
                } else {
                    int valueStart = i;
                    while (i < n && src.charAt(i) != ';' && src.charAt(i) != ',') {
                        if (src.charAt(i) == '"') {
                            throw new ForwardedClientCertException("XFCC element " + number + ": '\"' inside the"
                                    + " unquoted value of " + key + " (expected: the whole value quoted)", src.offsetOf(i));
                        }
                        i++;
                    }
                    int valueEnd = i;
                    while (valueEnd > valueStart && isOws(src.charAt(valueEnd - 1))) {
                        valueEnd--;
                    }
                    val = src.sub(valueStart, valueEnd);
                }
                element.add(key, val, src.offsetOf(keyStart), factory);
                if (i == n) {
                    elements.add(element.build());
                    return List.copyOf(elements);
                }
                elementEnds = src.charAt(i) == ',';
                i++;
            }
            elements.add(element.build());
        }
    }

    private static boolean isToken(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static int skipOws(SourceText src, int i) {
        while (i < src.length() && isOws(src.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static final class ElementBuilder {
        private final int number;
        private final int offset;
        private final List<String> by = new ArrayList<>();
        private final List<String> uris = new ArrayList<>();
        private final List<String> dns = new ArrayList<>();
        private String hash;
        private int hashOffset;
        private X509Certificate cert;
        private List<X509Certificate> chain = List.of();
        private boolean chainSeen;
        private String subject;

        ElementBuilder(int number, int offset) {
            this.number = number;
            this.offset = offset;
        }

        void add(String key, SourceText value, int keyOffset, CertificateFactory factory) {
            switch (key.toLowerCase(Locale.ROOT)) {
                case "by":
                    by.add(value.toString());
                    break;
                case "uri":
                    uris.add(value.toString());
                    break;
                case "dns":
                    dns.add(value.toString());
                    break;
                case "hash":
                    once(hash != null, key, keyOffset);
                    hash = value.toString();
                    hashOffset = value.offsetOf(0);
                    break;
                case "subject":
                    once(subject != null, key, keyOffset);
                    subject = value.toString();
                    break;
                case "cert": {
                    once(cert != null, key, keyOffset);
                    List<X509Certificate> certs = PemBlocks.certificates(PercentEncoding.decode(value), factory);
                    if (certs.size() != 1) {
                        throw new ForwardedClientCertException("XFCC element " + number + ": Cert holds "
                                + certs.size() + " certificates (expected: 1; the chain belongs in Chain)",
                                value.offsetOf(0));
                    }
                    cert = certs.get(0);
                    break;
                }
                case "chain":
                    once(chainSeen, key, keyOffset);
                    chainSeen = true;
                    chain = PemBlocks.certificates(PercentEncoding.decode(value), factory);
                    break;
                default:
                    // Unknown keys are skipped: newer proxies may add some.
            }
        }

        private void once(boolean seen, String key, int keyOffset) {
            if (seen) {
                throw new ForwardedClientCertException("XFCC element " + number + ": " + key
                        + " appears twice (expected: at most once per element)", keyOffset);
            }
        }

        XfccElement build() {
            X509Certificate leaf = cert != null ? cert : chain.isEmpty() ? null : chain.get(0);
            if (cert != null && !chain.isEmpty() && !cert.equals(chain.get(0))) {
                throw new ForwardedClientCertException("XFCC element " + number + ": Cert is not the first"
                        + " certificate of Chain (expected: Chain to start with the leaf in Cert)", offset);
            }
            if (hash != null && leaf != null) {
                String actual = sha256Hex(DerCertificates.encoded(leaf));
                if (!actual.equalsIgnoreCase(hash)) {
                    throw new ForwardedClientCertException("XFCC element " + number + ": Hash " + hash
                            + " does not match the certificate (expected: its SHA-256, " + actual + ")", hashOffset);
                }
            }
            return new XfccElement(offset, by, hash, cert, chain, subject, uris, dns);
        }
    }

    static String sha256Hex(byte[] der) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(der);
            StringBuilder sb = new StringBuilder(64);
            for (byte b : digest) {
                sb.append(Character.forDigit(b >> 4 & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * One element as Envoy writes it with {@code set_current_client_cert_details} for all fields:
     * {@code Hash=<hex>;Cert="<escaped PEM>";Chain="<escaped PEM>";Subject="<RFC 2253>";URI=<uri>;DNS=<name>}.
     * {@code Chain} is written only when there is more than the leaf.
     */
    static String encode(List<X509Certificate> chain) {
        return encode(chain, chain.get(0).getSubjectX500Principal().getName());
    }

    /** The same, with {@code subject} as the value of {@code Subject}. */
    static String encode(List<X509Certificate> chain, String subject) {
        X509Certificate leaf = chain.get(0);
        byte[] leafDer = DerCertificates.encoded(leaf);
        StringBuilder sb = new StringBuilder();
        sb.append("Hash=").append(sha256Hex(leafDer));
        sb.append(";Cert=\"").append(UrlPem.encodeEscaped(List.of(leafDer))).append('"');
        if (chain.size() > 1) {
            List<byte[]> ders = new ArrayList<>(chain.size());
            for (X509Certificate c : chain) {
                ders.add(DerCertificates.encoded(c));
            }
            sb.append(";Chain=\"").append(UrlPem.encodeEscaped(ders)).append('"');
        }
        sb.append(";Subject=");
        appendQuoted(sb, subject);
        for (String uri : subjectAltNames(leaf, 6)) {
            sb.append(";URI=");
            appendValue(sb, uri);
        }
        for (String name : subjectAltNames(leaf, 2)) {
            sb.append(";DNS=");
            appendValue(sb, name);
        }
        return sb.toString();
    }

    private static List<String> subjectAltNames(X509Certificate cert, int type) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("subject alternative names of " + cert.getSubjectX500Principal()
                    + " cannot be read: " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() >= 2 && Integer.valueOf(type).equals(name.get(0)) && name.get(1) instanceof String) {
                    out.add((String) name.get(1));
                }
            }
        }
        return out;
    }

    private static void appendValue(StringBuilder sb, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == ';' || c == '=' || c == '"' || c == '\\' || c == ' ' || c == '\t') {
                appendQuoted(sb, value);
                return;
            }
        }
        sb.append(value);
    }

    private static void appendQuoted(StringBuilder sb, String value) {
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }
}
