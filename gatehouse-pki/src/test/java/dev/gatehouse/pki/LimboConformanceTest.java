package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.VerificationParameters.Purpose;
import dev.gatehouse.pki.testing.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Runs the verifier over the x509-limbo test vectors, vendored as the test resource
 * {@code x509-limbo/limbo.json} (its origin, licence and digest are in that directory's README). A
 * missing file fails the test: the suite runs in every build.
 *
 * <h2>Translation</h2>
 * SERVER cases: purpose server, {@code expected_peer_name} as the hostname. CLIENT cases: purpose
 * client. {@code validation_time} as the time; {@code crls} into the trust store (a CRL the store
 * rejects at load makes the case fail, as the gateway would refuse to start); limbo's
 * {@code max_chain_depth} counts intermediates only, ours counts leaf and anchor: ours = limbo + 2;
 * no limbo depth: no practical limit (12). Untrusted intermediates are extra path-building candidates.
 *
 * <p>Deliberate divergences live in {@link #SKIPPED}, each with its reason; no case tagged CLIENT,
 * {@code has-crl}, {@code max-chain-depth} or {@code denial-of-service} may be on it.
 */
class LimboConformanceTest {
    private static final String SUITE = "/x509-limbo/limbo.json";

    /** Case id → why our rules differ from the expected result. */
    private static final String CN_POLICY = "CA/B BR 7.1.4.3 (CN must repeat a SAN) is web-PKI issuance policy; the CN is"
            + " never used for identity here (no CN fallback), and private certificates often carry a descriptive CN";

    static final Map<String, String> SKIPPED = new TreeMap<>(Map.ofEntries(
            Map.entry("rfc5280::nc::permitted-dns-match-noncritical",
                    "conflicts with webpki::nc::permitted-dns-match-noncritical: we enforce non-critical name constraints rather than reject the CA"),
            Map.entry("rfc5280::aki::cross-signed-root-missing-aki",
                    "contradicts cve::cve-2024-0567 (same shape, a non-self-issued anchor without AKI, expected SUCCESS):"
                            + " anchors are trusted as configured"),
            Map.entry("rfc5280::ca-as-leaf",
                    "conflicts with webpki::ca-as-leaf: Gatehouse makes a CA certificate presented as the leaf ClientCertPurposeInvalid (README, 'Connection log')"),
            Map.entry("pathlen::validation-ignores-pathlen-in-leaf",
                    "its leaf is a CA certificate, which Gatehouse refuses as a leaf (ClientCertPurposeInvalid)"),
            Map.entry("webpki::eku::ee-without-eku",
                    "CA/B policy; target certificates of private networks often have no EKU, accepted as RFC 5280 does (conflicts with rfc5280::eku::ee-without-eku)"),
            Map.entry("webpki::eku::ee-anyeku",
                    "CA/B policy; a leaf EKU listing serverAuth is accepted whatever else it lists"),
            Map.entry("webpki::eku::ee-critical-eku", "CA/B policy; RFC 5280 allows a critical EKU"),
            Map.entry("webpki::eku::root-has-eku", "CA/B policy; the EKU of a configured anchor is not restricted"),
            Map.entry("webpki::san::public-suffix-multi-label-wildcard-san",
                    "needs the Public Suffix List, which Gatehouse does not ship (private PKI)"),
            Map.entry("webpki::san::public-suffix-private-namespace-wildcard-san",
                    "needs the Public Suffix List, which Gatehouse does not ship (private PKI)"),
            Map.entry("webpki::cn::not-in-san", CN_POLICY),
            Map.entry("webpki::cn::case-mismatch", CN_POLICY),
            Map.entry("webpki::cn::punycode-not-in-san", CN_POLICY),
            Map.entry("webpki::cn::utf8-vs-punycode-mismatch", CN_POLICY),
            Map.entry("webpki::cn::ipv4-hex-mismatch", CN_POLICY),
            Map.entry("webpki::cn::ipv4-leading-zeros-mismatch", CN_POLICY),
            Map.entry("webpki::cn::ipv6-uppercase-mismatch", CN_POLICY),
            Map.entry("webpki::cn::ipv6-uncompressed-mismatch", CN_POLICY),
            Map.entry("webpki::cn::ipv6-non-rfc5952-mismatch", CN_POLICY)
    ));

    @Test
    void limbo() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> suite = (Map<String, Object>) Json.parse(readSuite());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) suite.get("testcases");

        int passed = 0;
        int failed = 0;
        int skipped = 0;
        List<String> disagreements = new ArrayList<>();
        StringBuilder results = new StringBuilder("{\"version\":1,\"harness\":\"gatehouse\",\"results\":[");
        CertificateVerifier verifier = new CertificateVerifier(new SignatureCache(10_000));
        for (Map<String, Object> c : cases) {
            String id = (String) c.get("id");
            @SuppressWarnings("unchecked")
            List<String> features = (List<String>) c.get("features");
            String kind = (String) c.get("validation_kind");
            if (SKIPPED.containsKey(id)) {
                assertThat(kind).as("CLIENT case %s may not be skipped", id).isNotEqualTo("CLIENT");
                assertThat(features).as("case %s may not be skipped", id)
                        .doesNotContain("has-crl", "max-chain-depth", "denial-of-service");
                skipped++;
                results.append(result(id, "SKIPPED", SKIPPED.get(id))).append(',');
                continue;
            }
            String expected = (String) c.get("expected_result");
            Outcome actual = run(verifier, c);
            results.append(result(id, actual.success ? "SUCCESS" : "FAILURE", actual.why)).append(',');
            if ((expected.equals("SUCCESS")) == actual.success) {
                passed++;
            } else {
                failed++;
                disagreements.add(id + " " + features + ": expected " + expected + ", got " + actual.why);
            }
        }
        if (results.charAt(results.length() - 1) == ',') {
            results.setLength(results.length() - 1);
        }
        results.append("]}\n");
        Path out = Path.of("target", "limbo-results.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, results.toString(), StandardCharsets.UTF_8);

        System.out.println("limbo: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
        System.out.println(passed + " passed, " + failed + " failed");
        SKIPPED.forEach((id, why) -> System.out.println("  skipped " + id + ": " + why));
        disagreements.forEach(d -> System.out.println("  DISAGREES " + d));
        assertThat(disagreements).as("limbo cases that disagree with the expected result").isEmpty();
    }

    /** The vendored suite; its absence is a failure, never a skip. */
    private static String readSuite() throws IOException {
        try (InputStream in = LimboConformanceTest.class.getResourceAsStream(SUITE)) {
            assertThat(in).as("x509-limbo test vectors on the test classpath at %s", SUITE).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private record Outcome(boolean success, String why) {}

    @SuppressWarnings("unchecked")
    private static Outcome run(CertificateVerifier verifier, Map<String, Object> c) {
        String kind = (String) c.get("validation_kind");
        TrustStore store;
        List<java.security.cert.X509Certificate> anchors = new ArrayList<>();
        List<java.security.cert.X509Certificate> intermediates = new ArrayList<>();
        List<java.security.cert.X509CRL> crls = new ArrayList<>();
        java.security.cert.X509Certificate peer;
        try {
            for (String pem : (List<String>) c.get("trusted_certs")) {
                anchors.addAll(Pem.parseCertificates(pem, "trusted_certs"));
            }
            for (String pem : (List<String>) c.get("untrusted_intermediates")) {
                intermediates.addAll(Pem.parseCertificates(pem, "untrusted_intermediates"));
            }
            for (String pem : (List<String>) c.get("crls")) {
                crls.addAll(Pem.parseCrls(pem.getBytes(StandardCharsets.US_ASCII), "crls"));
            }
            peer = Pem.parseCertificates((String) c.get("peer_certificate"), "peer_certificate").get(0);
        } catch (PkiException e) {
            return new Outcome(false, "input rejected: " + e.getMessage());
        }
        Object limboDepth = c.get("max_chain_depth");
        int depth = limboDepth == null ? 12 : ((Long) limboDepth).intValue() + 2;
        TrustStoreLimits limits = TrustStoreLimits.DEFAULTS.withMaxChainDepth(depth).withMaxCaCertificates(1000);
        try {
            store = TrustStore.of("trusted_certs", anchors, crls, limits,
                    kind.equals("CLIENT") ? TrustStore.Use.CLIENT_VERIFICATION : TrustStore.Use.TARGET_VERIFICATION);
        } catch (PkiException e) {
            return new Outcome(false, "trust store rejected: " + e.getMessage());
        }
        Purpose purpose = kind.equals("CLIENT") ? Purpose.CLIENT : Purpose.SERVER;
        List<String> eku = (List<String>) c.get("extended_key_usage");
        if (eku.contains("clientAuth")) {
            purpose = Purpose.CLIENT;
        } else if (eku.contains("serverAuth")) {
            purpose = Purpose.SERVER;
        }
        Map<String, Object> peerName = (Map<String, Object>) c.get("expected_peer_name");
        String hostname = purpose == Purpose.SERVER && peerName != null ? (String) peerName.get("value") : null;
        String time = (String) c.get("validation_time");
        VerificationParameters params = new VerificationParameters(purpose, hostname,
                time == null ? null : OffsetDateTime.parse(time).toInstant(), null, false);
        Verdict v = verifier.verify(store, List.of(peer), intermediates, params);
        return new Outcome(v.isSuccess(), v.status() + ": " + v.explanation());
    }


    private static String result(String id, String actual, String context) {
        return "{\"id\":" + quote(id) + ",\"actual_result\":\"" + actual + "\",\"context\":" + quote(context) + "}";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }
}
