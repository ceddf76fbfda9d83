package dev.gatehouse.pki;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Who a client is, as its certificate says: the forms of {@link CertificateNames} computed once, at
 * handshake completion, and shared by headers, the connection log and rule matching.
 *
 * <p>Final and immutable. {@link #verified()} is true only when the gateway's verifier accepted the
 * chain (verify mode); a passthrough identity is unverified and must not authorize anything unless the
 * listener says so.
 */
public final class ClientIdentity {
    private final List<X509Certificate> chain;
    private final boolean verified;
    private final String subject;
    private final String issuer;
    private final String serialNumber;
    private final String validity;
    private final String fingerprintSha256;
    private final List<String> sanDns;
    private final List<String> sanUri;
    private final List<String> sanEmail;
    private final List<String> sanIp;
    /** Computed on first use; a race computes the same value twice at most (benign). */
    private String leafUrlEncodedPem;
    private List<String[]> subjectAttributes;
    private List<String[]> issuerAttributes;

    private ClientIdentity(List<X509Certificate> chain, boolean verified) {
        this.chain = List.copyOf(chain);
        this.verified = verified;
        X509Certificate leaf = this.chain.get(0);
        this.subject = CertificateNames.subject(leaf);
        this.issuer = CertificateNames.issuer(leaf);
        this.serialNumber = CertificateNames.serialHex(leaf);
        this.validity = CertificateNames.validity(leaf);
        this.fingerprintSha256 = CertificateNames.fingerprintSha256(leaf);
        List<String> dns = new ArrayList<>();
        List<String> uri = new ArrayList<>();
        List<String> email = new ArrayList<>();
        List<String> ip = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            sans = null; // malformed SAN: no SAN identity (a verified chain never gets here)
        }
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                Object value = san.get(1);
                if (!(value instanceof String s)) {
                    continue;
                }
                switch (type) {
                    case 1 -> email.add(s);
                    case 2 -> dns.add(s);
                    case 6 -> uri.add(s);
                    case 7 -> ip.add(s);
                    default -> { }
                }
            }
        }
        this.sanDns = List.copyOf(dns);
        this.sanUri = List.copyOf(uri);
        this.sanEmail = List.copyOf(email);
        this.sanIp = List.copyOf(ip);
    }

    /** The same identity over {@code chain}, the same certificates kept another way (see {@link Verdict}). */
    private ClientIdentity(ClientIdentity of, List<X509Certificate> chain) {
        this.chain = List.copyOf(chain);
        this.verified = of.verified;
        this.subject = of.subject;
        this.issuer = of.issuer;
        this.serialNumber = of.serialNumber;
        this.validity = of.validity;
        this.fingerprintSha256 = of.fingerprintSha256;
        this.sanDns = of.sanDns;
        this.sanUri = of.sanUri;
        this.sanEmail = of.sanEmail;
        this.sanIp = of.sanIp;
    }

    /**
     * This identity over {@code chain}, which the caller made from the same certificates (equal encodings)
     * kept another way ({@link Verdict#compact}): the names are not derived again, nor the encodings compared.
     */
    ClientIdentity withChain(List<X509Certificate> chain) {
        return new ClientIdentity(this, chain);
    }

    /**
     * The identity of a presented chain, leaf first.
     *
     * @param verified whether the verifier accepted it (verify mode)
     * @throws IllegalArgumentException if {@code chain} is empty
     */
    public static ClientIdentity of(List<X509Certificate> chain, boolean verified) {
        Objects.requireNonNull(chain, "chain");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: [] (expected: at least the leaf certificate)");
        }
        return new ClientIdentity(chain, verified);
    }

    /** Subject DN, as {@code openssl x509 -noout -subject -nameopt RFC2253} prints it. */
    public String subject() {
        return subject;
    }

    /** Issuer DN, same form as {@link #subject()}. */
    public String issuer() {
        return issuer;
    }

    /** Leaf serial, upper-case hex as {@code openssl x509 -noout -serial} prints it. */
    public String serialNumber() {
        return serialNumber;
    }

    /** {@code NotBefore=...Z;NotAfter=...Z}. */
    public String validity() {
        return validity;
    }

    public List<String> sanDns() {
        return sanDns;
    }

    public List<String> sanUri() {
        return sanUri;
    }

    public List<String> sanEmail() {
        return sanEmail;
    }

    /** IP SANs in the JDK's textual form (IPv6 uncompressed, e.g. {@code 0:0:0:0:0:0:0:1}). */
    public List<String> sanIp() {
        return sanIp;
    }

    /** SHA-256 of the leaf's DER: lower-case hex, no separators. */
    public String fingerprintSha256() {
        return fingerprintSha256;
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * The subject as {@code [ATTRIBUTE, value]} pairs ({@link DistinguishedNames#attributes}), read once:
     * rules on the subject compare against this on every request. Do not modify the arrays.
     */
    public List<String[]> subjectAttributes() {
        List<String[]> a = subjectAttributes;
        if (a == null) {
            a = subjectAttributes = List.copyOf(DistinguishedNames.attributes(subject));
        }
        return a;
    }

    /** The issuer as {@code [ATTRIBUTE, value]} pairs, read once; see {@link #subjectAttributes()}. */
    public List<String[]> issuerAttributes() {
        List<String[]> a = issuerAttributes;
        if (a == null) {
            a = issuerAttributes = List.copyOf(DistinguishedNames.attributes(issuer));
        }
        return a;
    }

    /**
     * The leaf as the {@code X-Amzn-Mtls-Clientcert-Leaf} header carries it (URL-encoded PEM), encoded on
     * first use and then kept: a returning client's identity comes from a cached verdict, so its leaf is
     * encoded once, not once per connection.
     */
    public String leafUrlEncodedPem() {
        String encoded = leafUrlEncodedPem;
        if (encoded == null) {
            try {
                encoded = dev.gatehouse.clientcert.ForwardedClientCert.encodeUrlPem(List.of(leaf().getEncoded()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException("certificate cannot be encoded: " + e.getMessage(), e);
            }
            leafUrlEncodedPem = encoded;
        }
        return encoded;
    }

    /** The chain as presented (or as validated), leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    public boolean verified() {
        return verified;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientIdentity other && verified == other.verified && chain.equals(other.chain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(chain, verified);
    }

    @Override
    public String toString() {
        return subject + " (serial " + serialNumber + (verified ? ", verified)" : ", unverified)");
    }
}
