package dev.gatehouse.pki;

import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;

/**
 * Extension lookups that ask first whether the certificate has the extension. The JDK's
 * {@code getKeyUsage}, {@code getBasicConstraints} and {@code getExtensionValue} throw and catch two
 * exceptions, stack traces and all, for every known extension a certificate lacks: for a device seen for
 * the first time, those made up most of its verification.
 */
final class Extensions {
    static final String BASIC_CONSTRAINTS = "2.5.29.19";
    static final String KEY_USAGE = "2.5.29.15";

    private Extensions() {
    }

    /** The OIDs of every extension of {@code c}, critical or not. */
    static Set<String> present(X509Certificate c) {
        Set<String> critical = c.getCriticalExtensionOIDs();
        Set<String> nonCritical = c.getNonCriticalExtensionOIDs();
        Set<String> all = new HashSet<>();
        if (critical != null) {
            all.addAll(critical);
        }
        if (nonCritical != null) {
            all.addAll(nonCritical);
        }
        return all;
    }

    /** {@link X509Certificate#getExtensionValue}, {@code null} at once when absent. */
    static byte[] value(X509Certificate c, Set<String> present, String oid) {
        return present.contains(oid) ? c.getExtensionValue(oid) : null;
    }

    /** {@link X509Certificate#getKeyUsage}, {@code null} at once when absent. */
    static boolean[] keyUsage(X509Certificate c, Set<String> present) {
        return present.contains(KEY_USAGE) ? c.getKeyUsage() : null;
    }

    /** {@link X509Certificate#getBasicConstraints}, {@code -1} at once when absent. */
    static int basicConstraints(X509Certificate c, Set<String> present) {
        return present.contains(BASIC_CONSTRAINTS) ? c.getBasicConstraints() : -1;
    }
}
