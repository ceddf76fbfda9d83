package dev.gatehouse.clientcert;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format round-trips generated chains: RSA (2048, 3072) and EC (P-256, P-384) keys, 1 to 4
 * certificates, names and SANs with characters that need escaping. The seed is fixed so a failure
 * reproduces; set {@code -Dgatehouse.seed=N} to explore others.
 */
class RoundTripPropertyTest {

    private static final long SEED = Long.getLong("gatehouse.seed", 20240921L);
    private static final int CHAINS = 32;
    private static final List<List<X509Certificate>> GENERATED = generate();

    private static List<List<X509Certificate>> generate() {
        List<KeyPair> rsa = List.of(TestPki.rsa(2048), TestPki.rsa(3072));
        List<KeyPair> ec = List.of(TestPki.ec("secp256r1"), TestPki.ec("secp384r1"));
        List<KeyPair> mixed = new ArrayList<>(rsa);
        mixed.addAll(ec);
        Random random = new Random(SEED);
        List<List<X509Certificate>> chains = new ArrayList<>();
        for (int i = 0; i < CHAINS; i++) {
            int length = 1 + i % 4;
            List<KeyPair> pool = i % 3 == 0 ? rsa : i % 3 == 1 ? ec : mixed;
            chains.add(TestPki.randomChain(random, length, pool));
        }
        return chains;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Format format : Format.values()) {
            for (int i = 0; i < GENERATED.size(); i++) {
                List<X509Certificate> chain = GENERATED.get(i);
                out.add(Arguments.of(format, i, chain.size(), chain.get(0).getPublicKey().getAlgorithm(), chain));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "chain #{0}")
    @MethodSource("chains")
    void xfccWithTheCallersSubjectFormDecodesToTheSameChainAndSubject(int index, List<X509Certificate> chain) {
        String subject = "emailAddress=ops@example.org,CN=device \\\"" + index + "\\\",O=Acme\\, Inc.";
        String value = ForwardedClientCert.encodeXfcc(chain, subject);
        ForwardedClientCert decoded = ForwardedClientCert.decode(Format.ENVOY_XFCC, value);
        assertThat(decoded.chain()).containsExactlyElementsOf(chain);
        assertThat(decoded.xfccElements().get(0).subject()).contains(subject);
        assertThat(value).isEqualTo(ForwardedClientCert.encode(Format.ENVOY_XFCC, chain)
                .replace(subjectField(chain.get(0).getSubjectX500Principal().getName()), subjectField(subject)));
    }

    /** {@code ;Subject="..."} as XFCC quotes it. */
    private static String subjectField(String subject) {
        return ";Subject=\"" + subject.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @ParameterizedTest(name = "{0} chain #{1}: {2} certificates, {3} leaf")
    @MethodSource("cases")
    void encodeThenDecodeGivesTheSameCertificates(Format format, int index, int size, String keyType,
                                                  List<X509Certificate> chain) {
        String value = ForwardedClientCert.encode(format, chain);

        ForwardedClientCert decoded = format == Format.RFC9440
                ? ForwardedClientCert.decodeRfc9440(value, ForwardedClientCert.encodeRfc9440Chain(chain).orElse(null))
                : ForwardedClientCert.decode(format, value);
        assertThat(decoded.chain()).containsExactlyElementsOf(chain);
        assertThat(decoded.leaf()).isEqualTo(chain.get(0));
        assertThat(decoded.format()).isEqualTo(format);

        // Detection picks the same format, and decoding without naming it gives the same result
        // (for RFC 9440 the Client-Cert value alone holds the leaf).
        assertThat(ForwardedClientCert.detect(value)).isEqualTo(format);
        List<X509Certificate> expected = format == Format.RFC9440 ? chain.subList(0, 1) : chain;
        assertThat(ForwardedClientCert.decode(value).chain()).containsExactlyElementsOf(expected);

        if (format == Format.ENVOY_XFCC) {
            XfccElement element = decoded.xfccElements().get(0);
            X500Principal subject = chain.get(0).getSubjectX500Principal();
            assertThat(element.subject()).contains(subject.getName());
            assertThat(element.uris()).singleElement().asString().startsWith("spiffe://example.org/ns/a;b=c,d/sa/");
            assertThat(element.dns()).hasSize(2).contains("*.api.example.org");
            assertThat(element.hash()).hasValueSatisfying(h -> assertThat(h).hasSize(64));
        }
        if (format != Format.PEM) {
            assertThat(value).doesNotContain("\n", "\r");
        }
    }

    static Stream<Arguments> chains() {
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < GENERATED.size(); i++) {
            out.add(Arguments.of(i, GENERATED.get(i)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "chain #{0}")
    @MethodSource("chains")
    void fastPathEqualsGenericEncoder(int index, List<X509Certificate> chain) throws Exception {
        List<byte[]> ders = new ArrayList<>();
        for (X509Certificate c : chain) {
            ders.add(c.getEncoded());
        }
        String fast = ForwardedClientCert.encodeUrlPem(ders);
        assertThat(fast).isEqualTo(ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain));
        // The definition, independently: standard PEM with space -> %20 and LF -> %0A.
        assertThat(fast).isEqualTo(ForwardedClientCert.encode(Format.PEM, chain).replace(" ", "%20").replace("\n", "%0A"));
    }

    /** Several XFCC hops: the certificate is the last element's, all elements are kept. */
    @ParameterizedTest(name = "hops with chain #{0}")
    @MethodSource("chains")
    void xfccWithSeveralHops(int index, List<X509Certificate> chain) {
        List<X509Certificate> other = GENERATED.get((index + 1) % GENERATED.size());
        String value = ForwardedClientCert.encode(Format.ENVOY_XFCC, other) + ";By=spiffe://edge"
                + ", By=spiffe://mesh;" + ForwardedClientCert.encode(Format.ENVOY_XFCC, chain);
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.chain()).containsExactlyElementsOf(chain);
        assertThat(decoded.xfccElements()).hasSize(2);
        assertThat(decoded.xfccElements().get(0).certificates()).containsExactlyElementsOf(other);
        assertThat(decoded.xfccElements().get(0).by()).containsExactly("spiffe://edge");
        assertThat(decoded.xfccElements().get(1).by()).containsExactly("spiffe://mesh");
    }
}
