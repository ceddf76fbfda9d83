package dev.gatehouse.server.authz;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.server.config.RuleConfig.ClientCertificateConditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rule's {@code when.client_certificate}, compiled once per configuration: which client identities
 * the rule authorizes. Every field given must match (each field is "any of" its patterns); a request
 * without an identity never matches, nor does an unverified (passthrough) identity unless the listener
 * trusts it ({@code trust_unverified_identity: true}).
 *
 * <h2>Fields</h2>
 * <ul>
 *   <li>{@code subject}, {@code issuer}: {@link DistinguishedNamePattern}s ({@code CN=ops-*,O=Acme}:
 *       every attribute named must be present with a matching value; others are ignored).</li>
 *   <li>{@code san_dns}: any DNS SAN; {@code *} never crosses a dot, case-insensitive.</li>
 *   <li>{@code san_uri}: any URI SAN; {@code *} never crosses a slash, case-sensitive.</li>
 *   <li>{@code san_email}: any e-mail SAN; {@code *} never crosses the {@code @}, case-insensitive.</li>
 *   <li>{@code serial}: the leaf serial as {@code CertificateNames.serialHex} prints it; a pattern may
 *       be written in any case, with colons, without leading zeros ({@code 3a:5b:1} is {@code 03A5B1});
 *       {@code *} matches any run of hex digits.</li>
 *   <li>{@code fingerprint_sha256}: SHA-256 of the leaf, any case, colons allowed; no wildcards.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientCertificateMatcher {
    private final boolean acceptUnverified;
    private final DistinguishedNamePattern[] subject;
    private final DistinguishedNamePattern[] issuer;
    private final Wildcards[] sanDns;
    private final Wildcards[] sanUri;
    private final Wildcards[] sanEmail;
    private final Wildcards[] serial;
    private final String[] fingerprints;

    private ClientCertificateMatcher(boolean acceptUnverified, DistinguishedNamePattern[] subject,
                                     DistinguishedNamePattern[] issuer, Wildcards[] sanDns, Wildcards[] sanUri,
                                     Wildcards[] sanEmail, Wildcards[] serial, String[] fingerprints) {
        this.acceptUnverified = acceptUnverified;
        this.subject = subject;
        this.issuer = issuer;
        this.sanDns = sanDns;
        this.sanUri = sanUri;
        this.sanEmail = sanEmail;
        this.serial = serial;
        this.fingerprints = fingerprints;
    }

    /**
     * @param acceptUnverified whether an unverified identity may match (passthrough listener with
     *                         {@code trust_unverified_identity: true})
     * @throws IllegalArgumentException for a pattern that cannot be compiled
     */
    public static ClientCertificateMatcher compile(ClientCertificateConditions c, boolean acceptUnverified) {
        DistinguishedNamePattern[] subject = c.subject().stream().map(DistinguishedNamePattern::compile)
                .toArray(DistinguishedNamePattern[]::new);
        DistinguishedNamePattern[] issuer = c.issuer().stream().map(DistinguishedNamePattern::compile)
                .toArray(DistinguishedNamePattern[]::new);
        Wildcards[] dns = c.sanDns().stream().map(Wildcards::dns).toArray(Wildcards[]::new);
        Wildcards[] uri = c.sanUri().stream().map(Wildcards::uri).toArray(Wildcards[]::new);
        Wildcards[] email = c.sanEmail().stream().map(Wildcards::email).toArray(Wildcards[]::new);
        List<Wildcards> serials = new ArrayList<>();
        for (String s : c.serial()) {
            serials.add(Wildcards.anything(normalizeSerial(s), false));
        }
        String[] fingerprints = c.fingerprintSha256().stream()
                .map(f -> f.replace(":", "").strip().toLowerCase(Locale.ROOT)).toArray(String[]::new);
        return new ClientCertificateMatcher(acceptUnverified, subject, issuer, dns, uri, email,
                serials.toArray(new Wildcards[0]), fingerprints);
    }

    /** A serial pattern in the one form of {@link CertificateNames#serialHex}. */
    static String normalizeSerial(String pattern) {
        String p = pattern.strip().replace(":", "").toUpperCase(Locale.ROOT);
        if (p.indexOf('*') >= 0) {
            return p;
        }
        return CertificateNames.serialHex(CertificateNames.parseSerial(p));
    }

    /** Whether {@code identity} (possibly {@code null}: no certificate) satisfies every field. */
    public boolean matches(ClientIdentity identity) {
        if (identity == null || (!identity.verified() && !acceptUnverified)) {
            return false;
        }
        if (subject.length > 0 && !anyName(subject, identity::subjectAttributes)) {
            return false;
        }
        if (issuer.length > 0 && !anyName(issuer, identity::issuerAttributes)) {
            return false;
        }
        if (sanDns.length > 0 && !any(sanDns, identity.sanDns())) {
            return false;
        }
        if (sanUri.length > 0 && !any(sanUri, identity.sanUri())) {
            return false;
        }
        if (sanEmail.length > 0 && !any(sanEmail, identity.sanEmail())) {
            return false;
        }
        if (serial.length > 0 && !any(serial, List.of(identity.serialNumber()))) {
            return false;
        }
        if (fingerprints.length > 0) {
            String fp = identity.fingerprintSha256();
            boolean found = false;
            for (String f : fingerprints) {
                if (f.equals(fp)) {
                    found = true;
                    break;
                }
            }
            return found;
        }
        return true;
    }

    /** The name's attributes come from the identity, parsed once per identity, not per request. */
    private static boolean anyName(DistinguishedNamePattern[] patterns, java.util.function.Supplier<List<String[]>> name) {
        List<String[]> parsed;
        try {
            parsed = name.get();
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (DistinguishedNamePattern p : patterns) {
            if (p.matches(parsed)) {
                return true;
            }
        }
        return false;
    }

    private static boolean any(Wildcards[] patterns, List<String> values) {
        for (String v : values) {
            for (Wildcards p : patterns) {
                if (p.matches(v)) {
                    return true;
                }
            }
        }
        return false;
    }
}
