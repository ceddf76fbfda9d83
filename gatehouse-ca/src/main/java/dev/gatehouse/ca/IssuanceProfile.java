package dev.gatehouse.ca;

import java.util.Locale;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * What a leaf certificate is for, and so which extensions it carries. Both profiles give:
 * basic constraints {@code CA:FALSE} (critical), key usage {@code digitalSignature} plus
 * {@code keyEncipherment} for RSA keys (critical), subject and authority key identifiers, and the
 * subject alternative names of the request.
 *
 * <ul>
 *   <li>{@link #CLIENT}: extended key usage {@code clientAuth}. Subject alternative names are optional.
 *   <li>{@link #SERVER}: extended key usage {@code serverAuth}. At least one DNS or IP name is required;
 *       a common name that is a host name or an IP address is added as a DNS or IP name when it is not
 *       already there (TLS clients match host names against the SANs only).
 * </ul>
 *
 * CA certificates ({@code ca init}) have their own fixed profiles inside {@link CertificateAuthority}.
 */
public enum IssuanceProfile {
    CLIENT(KeyPurposeId.id_kp_clientAuth),
    SERVER(KeyPurposeId.id_kp_serverAuth);

    private final KeyPurposeId purpose;

    IssuanceProfile(KeyPurposeId purpose) {
        this.purpose = purpose;
    }

    KeyPurposeId extendedKeyUsage() {
        return purpose;
    }

    /** Parses {@code client} or {@code server}, case-insensitively. */
    public static IssuanceProfile fromCliName(String name) {
        for (IssuanceProfile p : values()) {
            if (p.cliName().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("profile '" + name + "' (expected: client or server)");
    }

    /** {@code client} or {@code server}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return cliName();
    }
}
