package dev.gatehouse.clientcert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Malformed values throw {@link ForwardedClientCertException} naming what and where; never a certificate. */
class MalformedInputTest {

    private static final String LB = Rfc9440Example.CHAIN_PEM.replace(" ", "%20").replace("\n", "%0A");

    private static ForwardedClientCertException failure(String value) {
        ForwardedClientCertException e = catchThrowableOfType(ForwardedClientCertException.class,
                () -> ForwardedClientCert.decode(value));
        assertThat(e).as("decoding should fail: %s", value).isNotNull();
        assertThat(e).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.getMessage()).contains("(at offset " + e.offset() + ")");
        return e;
    }

    @Test
    void badPercentEscapeNamesItsOffset() {
        int at = LB.indexOf("MIIB") + 10;
        String value = LB.substring(0, at) + "%G1" + LB.substring(at);
        ForwardedClientCertException e = failure(value);
        assertThat(e.offset()).isEqualTo(at);
        assertThat(e).hasMessageContaining("'%' not followed by two hex digits").hasMessageContaining("expected: %XX");
    }

    @Test
    void nonAsciiEscapeIsRefused() {
        int at = LB.indexOf("MIIB") + 4;
        ForwardedClientCertException e = failure(LB.substring(0, at) + "%C3" + LB.substring(at));
        assertThat(e.offset()).isEqualTo(at);
        assertThat(e).hasMessageContaining("%C3 is not ASCII");
    }

    @Test
    void invalidBase64CharacterPointsAtTheReceivedOffsetDespitePercentDecoding() {
        int at = LB.indexOf("MIIB") + 70; // on the second base64 line, after one %0A
        String value = LB.substring(0, at) + "*" + LB.substring(at + 1);
        ForwardedClientCertException e = failure(value);
        assertThat(e.offset()).isEqualTo(at);
        assertThat(e).hasMessageContaining("invalid base64 character '*' in certificate 1");
    }

    @Test
    void truncatedValueHasNoEndLine() {
        String value = LB.substring(0, LB.indexOf("-----END"));
        ForwardedClientCertException e = failure(value);
        assertThat(e).hasMessageContaining("certificate 1 has no '-----END CERTIFICATE-----' line");
        assertThat(e.offset()).isEqualTo(value.length());
    }

    @Test
    void missingBase64LineIsCaught() {
        String pem = Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64);
        String[] lines = pem.split("\n");
        StringBuilder cut = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i != lines.length - 2) { // drop the last base64 line
                cut.append(lines[i]).append('\n');
            }
        }
        assertThatThrownBy(() -> ForwardedClientCert.decode(cut.toString()))
                .isInstanceOf(ForwardedClientCertException.class)
                .hasMessageContaining("DER header declares");
    }

    @Test
    void bytesAfterTheCertificateAreRefused() {
        byte[] der = Base64.getDecoder().decode(Rfc9440Example.LEAF_BASE64);
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 3);
        String value = Base64.getEncoder().encodeToString(longer);
        ForwardedClientCertException e = failure(value);
        assertThat(e).hasMessageContaining("is " + longer.length + " bytes but its DER header declares " + der.length);
    }

    @Test
    void rfc9440ByteSequenceWithoutClosingColon() {
        ForwardedClientCertException e = failure("  :" + Rfc9440Example.LEAF_BASE64);
        assertThat(e.offset()).isEqualTo(2);
        assertThat(e).hasMessageContaining("has no closing ':'");
        assertThatThrownBy(() -> ForwardedClientCert.decode(Format.RFC9440, Rfc9440Example.CLIENT_CERT_CHAIN))
                .isInstanceOf(ForwardedClientCertException.class)
                .hasMessageContaining("Client-Cert holds 2 byte sequences");
        assertThatThrownBy(() -> ForwardedClientCert.decodeRfc9440(Rfc9440Example.CLIENT_CERT, ":"
                + Rfc9440Example.INTERMEDIATE_BASE64 + ":,"))
                .isInstanceOf(ForwardedClientCertException.class)
                .hasMessageContaining("trailing ','");
    }

    @Test
    void xfccErrors() {
        String cert = DocumentedExamplesTest.envoyEscape(Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64));
        ForwardedClientCertException unclosed = failure("Hash=ab;Cert=\"" + cert);
        assertThat(unclosed.offset()).isEqualTo("Hash=ab;Cert=".length());
        assertThat(unclosed).hasMessageContaining("quoted value of Cert is not closed");

        String wrongHash = "0".repeat(64);
        ForwardedClientCertException hash = failure("By=x;Hash=" + wrongHash + ";Cert=\"" + cert + "\"");
        assertThat(hash.offset()).isEqualTo("By=x;Hash=".length());
        assertThat(hash).hasMessageContaining("does not match the certificate");

        assertThat(failure("Cert=\"" + cert + "\";Cert=\"" + cert + "\"")).hasMessageContaining("Cert appears twice");
        assertThat(failure("Hash=ab,,Hash=cd")).hasMessageContaining("XFCC element 2 is empty");
        assertThat(failure("Hash=ab;oops")).hasMessageContaining("expected: Key=Value");
    }

    @Test
    void traefikErrors() {
        ForwardedClientCertException empty = failure(Rfc9440Example.LEAF_BASE64 + ",,");
        assertThat(empty).hasMessageContaining("certificate 2 is empty");
        assertThat(empty.offset()).isEqualTo(Rfc9440Example.LEAF_BASE64.length() + 1);
        assertThat(failure(Rfc9440Example.LEAF_BASE64.substring(1))).hasMessageContaining("expected: a multiple of 4");
    }

    @Test
    void unrecognisedNullAndEmpty() {
        assertThat(failure("  <certificate>")).hasMessageContaining("unrecognised forwarded certificate")
                .extracting(ForwardedClientCertException::offset).isEqualTo(2);
        assertThatThrownBy(() -> ForwardedClientCert.decode((String) null))
                .isInstanceOf(ForwardedClientCertException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> ForwardedClientCert.decode(" "))
                .isInstanceOf(ForwardedClientCertException.class).hasMessageContaining("empty");
    }

    @Test
    void everySingleCharacterDeletionIsRejectedOrDecodesExactly() {
        // Removing any one character of the value never yields a different certificate.
        String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM,
                ForwardedClientCert.decode(Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64)).chain());
        var original = ForwardedClientCert.decode(value).leaf();
        int rejected = 0;
        for (int i = 0; i < value.length(); i++) {
            String damaged = value.substring(0, i) + value.substring(i + 1);
            try {
                assertThat(ForwardedClientCert.decode(damaged).chain()).containsExactly(original);
            } catch (ForwardedClientCertException expected) {
                rejected++;
            }
        }
        assertThat(rejected).isGreaterThan(value.length() / 2);
    }
}
