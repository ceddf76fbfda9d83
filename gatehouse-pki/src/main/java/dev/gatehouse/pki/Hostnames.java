package dev.gatehouse.pki;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Server identity check (RFC 6125 as the web PKI applies it): DNS names against DNS SANs, with a
 * wildcard only as the whole left-most label; IP literals against IP SANs; no common-name fallback.
 */
final class Hostnames {
    private Hostnames() {}

    /** Whether {@code host} is an IP literal (IPv4 dotted quad or IPv6, optionally in brackets). */
    static byte[] ipLiteral(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(h).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Null if {@code sans} name {@code host}, else why not. */
    static String mismatch(String host, List<NameConstraints.GeneralName> sans) {
        byte[] ip = ipLiteral(host);
        if (ip != null) {
            for (NameConstraints.GeneralName n : sans) {
                if (n.type() == NameConstraints.GeneralName.IP && Arrays.equals(n.value(), ip)) {
                    return null;
                }
            }
            return "no IP SAN is " + host;
        }
        if (host.contains("@")) {
            for (NameConstraints.GeneralName n : sans) {
                if (n.type() == NameConstraints.GeneralName.RFC822 && NameConstraints.emailMatches(host, n.text())
                        && n.text().contains("@")) {
                    return null;
                }
            }
            return "no email SAN is " + host;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        boolean anyDns = false;
        for (NameConstraints.GeneralName n : sans) {
            if (n.type() != NameConstraints.GeneralName.DNS) {
                continue;
            }
            anyDns = true;
            if (dnsMatches(h, n.text().toLowerCase(Locale.ROOT))) {
                return null;
            }
        }
        return anyDns ? "no DNS SAN matches " + host : "the certificate has no DNS SAN (no common-name fallback)";
    }

    static boolean dnsMatches(String host, String pattern) {
        if (pattern.endsWith(".")) {
            pattern = pattern.substring(0, pattern.length() - 1);
        }
        if (!pattern.startsWith("*.")) {
            return !pattern.contains("*") && host.equals(pattern);
        }
        String suffix = pattern.substring(1); // ".example.com"
        if (suffix.contains("*") || suffix.chars().filter(c -> c == '.').count() < 2) {
            return false; // wildcard only as the whole left-most label, and not directly over a TLD
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot).equals(suffix);
    }
}
