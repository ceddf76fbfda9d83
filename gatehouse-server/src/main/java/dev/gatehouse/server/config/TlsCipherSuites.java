package dev.gatehouse.server.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cipher suites a listener can offer, by their OpenSSL names (what {@code tls.ciphers} lists) and their
 * IANA names (what TLS libraries are configured with), in the server's order of preference.
 */
public final class TlsCipherSuites {
    private TlsCipherSuites() {}

    /**
     * TLS 1.3, every policy: AES-128-GCM first. The JDK's TLS follows this order; BoringSSL has a fixed
     * list of its own and takes the client's first choice among its AES-GCM and ChaCha20 suites.
     */
    public static final List<String> TLS13 = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /** TLS 1.2: OpenSSL name to IANA name; the AEAD suites first, then AES-CBC with ECDHE, then with RSA. */
    private static final Map<String, String> TLS12 = table(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            // AES-CBC: the end of the AEAD-only policy's list.
            "ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
            "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA");
    private static final int AEAD = 6;

    /** {@code tls12-and-13}'s TLS 1.2 suites: ECDHE with AES-GCM or ChaCha20 (IANA names). */
    public static final List<String> TLS12_AEAD = List.copyOf(new ArrayList<>(TLS12.values()).subList(0, AEAD));
    /** {@code tls12-legacy}'s: those and ECDHE or RSA key exchange with AES-CBC (IANA names). */
    public static final List<String> TLS12_LEGACY = List.copyOf(TLS12.values());

    /** The IANA name of a TLS 1.2 suite named the OpenSSL way, or {@code null} when no listener offers it. */
    public static String iana(String openSslName) {
        return TLS12.get(openSslName);
    }

    /** The OpenSSL names {@code tls.ciphers} accepts. */
    public static List<String> openSslNames() {
        return List.copyOf(TLS12.keySet());
    }

    /** The OpenSSL name of a suite named the IANA way (TLS 1.3 suites keep theirs), else {@code iana}. */
    public static String openSsl(String iana) {
        for (Map.Entry<String, String> e : TLS12.entrySet()) {
            if (e.getValue().equals(iana)) {
                return e.getKey();
            }
        }
        return iana;
    }

    private static Map<String, String> table(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
