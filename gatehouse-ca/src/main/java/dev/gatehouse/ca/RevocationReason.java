package dev.gatehouse.ca;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.CRLReason;

/**
 * Why a certificate was revoked, with the RFC 5280 names and codes (section 5.3.1). A CRL entry for
 * {@link #UNSPECIFIED} carries no reason code, as RFC 5280 recommends.
 */
public enum RevocationReason {
    UNSPECIFIED("unspecified", CRLReason.unspecified),
    KEY_COMPROMISE("keyCompromise", CRLReason.keyCompromise),
    CA_COMPROMISE("caCompromise", CRLReason.cACompromise),
    AFFILIATION_CHANGED("affiliationChanged", CRLReason.affiliationChanged),
    SUPERSEDED("superseded", CRLReason.superseded),
    CESSATION_OF_OPERATION("cessationOfOperation", CRLReason.cessationOfOperation),
    CERTIFICATE_HOLD("certificateHold", CRLReason.certificateHold);

    private final String rfcName;
    private final int code;

    RevocationReason(String rfcName, int code) {
        this.rfcName = rfcName;
        this.code = code;
    }

    /** The RFC 5280 name, e.g. {@code keyCompromise}. */
    public String rfcName() {
        return rfcName;
    }

    /** The RFC 5280 {@code CRLReason} code. */
    public int code() {
        return code;
    }

    /**
     * Parses an RFC 5280 name ({@code keyCompromise}), case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RevocationReason fromRfcName(String name) {
        for (RevocationReason r : values()) {
            if (r.rfcName.equalsIgnoreCase(name.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("reason '" + name + "' (expected: " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(RevocationReason::rfcName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return rfcName;
    }
}
