package dev.gatehouse.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificates from the CA as OpenSSL judges them: {@code openssl verify -x509_strict -purpose
 * sslclient|sslserver}, under a root and under an intermediate, EC and RSA. {@code -x509_strict} makes
 * OpenSSL insist on the extensions RFC 5280 asks for (SKI on CAs, AKI on issued certificates, critical
 * basic constraints on CAs).
 */
class OpenSslVerifyTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> keyTypes() {
        return Stream.of(
                Arguments.of(KeySpec.EC_P256, KeySpec.EC_P256),
                Arguments.of(KeySpec.EC_P384, KeySpec.EC_P256),
                Arguments.of(KeySpec.RSA_2048, KeySpec.RSA_2048),
                Arguments.of(KeySpec.EC_P256, KeySpec.RSA_3072),
                Arguments.of(KeySpec.RSA_4096, KeySpec.EC_P384));
    }

    @ParameterizedTest(name = "root {0}, leaf {1}")
    @MethodSource("keyTypes")
    void underARootClientAndServerCertificatesPassTheirPurposeOnly(KeySpec caKey, KeySpec leafKey) throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"),
                CaParameters.root().withKeySpec(caKey), false);
        Path rootPem = root.directory().resolve("ca.pem");

        Path client = issue(root, IssuanceProfile.CLIENT, "alice", leafKey).certificate();
        Path server = issue(root, IssuanceProfile.SERVER, "api.example.com", leafKey).certificate();

        assertOk(OpenSsl.verify("sslclient", rootPem, null, null, client));
        assertOk(OpenSsl.verify("sslserver", rootPem, null, null, server));
        assertPurposeRejected(OpenSsl.verify("sslserver", rootPem, null, null, client));
        assertPurposeRejected(OpenSsl.verify("sslclient", rootPem, null, null, server));
    }

    @ParameterizedTest(name = "intermediate {0}, leaf {1}")
    @MethodSource("keyTypes")
    void underAnIntermediateTheChainVerifiesWithUntrusted(KeySpec caKey, KeySpec leafKey) throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"), CaParameters.root(), false);
        CertificateAuthority ica = CertificateAuthority.initIntermediate(tmp.resolve("issuing"), root,
                CaParameters.intermediate().withKeySpec(caKey), false);
        Path rootPem = root.directory().resolve("ca.pem");

        // NAME.pem holds the leaf and the intermediate: it is its own -untrusted bundle.
        Path client = issue(ica, IssuanceProfile.CLIENT, "alice", leafKey).certificate();
        Path server = issue(ica, IssuanceProfile.SERVER, "api.example.com", leafKey).certificate();
        Path intermediate = ica.directory().resolve("ca.pem");

        assertOk(OpenSsl.verify("sslclient", rootPem, intermediate, null, client));
        assertOk(OpenSsl.verify("sslserver", rootPem, intermediate, null, server));
        assertOk(OpenSsl.verify("sslclient", rootPem, client, null, client));
        assertPurposeRejected(OpenSsl.verify("sslserver", rootPem, intermediate, null, client));
        assertPurposeRejected(OpenSsl.verify("sslclient", rootPem, intermediate, null, server));

        // Without the intermediate there is no path: the chain really goes through it.
        OpenSsl.Result noIntermediate = OpenSsl.verify("sslclient", rootPem, null, null,
                ica.directory().resolve("issued/alice-leaf.pem"));
        assertThat(noIntermediate.ok()).as(noIntermediate.output()).isFalse();
        assertThat(noIntermediate.output()).contains("unable to get local issuer certificate");
    }

    @Test
    void theIntermediateItselfVerifiesAsACaUnderTheRoot() throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"), CaParameters.root(), false);
        CertificateAuthority ica = CertificateAuthority.initIntermediate(tmp.resolve("issuing"), root,
                CaParameters.intermediate(), false);
        OpenSsl.Result r = OpenSsl.run("verify", "-x509_strict", "-CAfile", root.directory().resolve("ca.pem").toString(),
                ica.directory().resolve("chain.pem").toString());
        assertOk(r);
        OpenSsl.Result self = OpenSsl.run("verify", "-x509_strict", "-CAfile",
                root.directory().resolve("ca.pem").toString(), root.directory().resolve("ca.pem").toString());
        assertOk(self);
    }

    /** Issues, writes NAME.pem/NAME.key, and NAME-leaf.pem with the leaf alone. */
    private IssuedCertificate.WrittenFiles issue(CertificateAuthority ca, IssuanceProfile profile, String cn, KeySpec key)
            throws Exception {
        IssuedCertificate issued = ca.issue(IssueRequest.builder(profile).commonName(cn).keySpec(key).build());
        java.nio.file.Files.createDirectories(ca.issuedDirectory());
        java.nio.file.Files.writeString(ca.issuedDirectory().resolve(cn + "-leaf.pem"),
                dev.gatehouse.pki.Pem.encode(java.util.List.of(issued.certificate())));
        return issued.writeTo(ca.issuedDirectory(), cn, false);
    }

    static void assertOk(OpenSsl.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains(": OK");
    }

    static void assertPurposeRejected(OpenSsl.Result r) {
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("unsuitable certificate purpose");
    }
}
