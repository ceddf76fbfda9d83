package dev.gatehouse.ca;

import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** Subject names: from a common name or a DN string, and to BouncyCastle's form. */
final class Names {
    private Names() {
    }

    /** {@code CN=commonName}, encoded as a UTF8String. */
    static X500Principal commonName(String commonName) {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("common name is empty");
        }
        checkNoControlCharacters("common name '" + commonName + "'", commonName);
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        return principal(name);
    }

    /**
     * Parses an RFC 4514 distinguished name, most specific attribute first, as {@code openssl -nameopt
     * RFC2253} prints it: {@code CN=api,O=Acme,C=DE}.
     */
    static X500Principal distinguishedName(String dn) {
        if (dn == null || dn.isBlank()) {
            throw new IllegalArgumentException("subject is empty");
        }
        checkNoControlCharacters("subject '" + dn + "'", dn);
        try {
            X500Principal p = new X500Principal(dn);
            if (p.getEncoded().length <= 2) {
                throw new IllegalArgumentException("subject '" + dn + "' is empty");
            }
            return p;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("subject '" + dn + "': " + e.getMessage()
                    + " (expected: e.g. CN=api,O=Acme,C=DE)", e);
        }
    }

    static X500Name x500Name(X500Principal p) {
        return X500Name.getInstance(p.getEncoded());
    }

    static X500Principal principal(X500Name n) {
        try {
            return new X500Principal(n.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first (most specific) common name of {@code p}, if it has one. */
    static Optional<String> commonNameOf(X500Principal p) {
        RDN[] rdns = x500Name(p).getRDNs(BCStyle.CN);
        if (rdns.length == 0) {
            return Optional.empty();
        }
        ASN1Encodable v = rdns[rdns.length - 1].getFirst().getValue();
        return Optional.of(v instanceof ASN1String ? ((ASN1String) v).getString() : IETFUtils.valueToString(v));
    }

    private static void checkNoControlCharacters(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new IllegalArgumentException(what + " contains a control character");
            }
        }
    }
}
