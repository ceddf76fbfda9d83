package dev.gatehouse.clientcert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The file strictness of the one PEM reader, and its writer; the header strictness is shown by MalformedInputTest. */
class PemBlocksTest {
    private static final byte[] LEAF = Base64.getDecoder().decode(Rfc9440Example.LEAF_BASE64);
    private static final byte[] ROOT = Base64.getDecoder().decode(Rfc9440Example.ROOT_BASE64);

    @Test
    void aFileMayHaveTextAroundBlocksHeadersAndAnyLineLength() {
        String file = "Subject: CN=leaf\r\n"
                + PemBlocks.write("CERTIFICATE", LEAF).replace("\n", "\r\n")
                + "# the root, in 76-character lines\n"
                + "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(ROOT) + "\n"
                + "-----END CERTIFICATE-----\n"
                + "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n"
                + "-----END RSA PRIVATE KEY-----\n";
        List<PemBlocks.Block> blocks = PemBlocks.read(file);
        assertThat(blocks).extracting(PemBlocks.Block::label)
                .containsExactly("CERTIFICATE", "CERTIFICATE", "RSA PRIVATE KEY");
        assertThat(blocks.get(0).der()).isEqualTo(LEAF);
        assertThat(blocks.get(0).line()).isEqualTo(2);
        assertThat(blocks.get(1).der()).isEqualTo(ROOT);
        assertThat(blocks.get(2).headers()).containsExactly("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00");
        assertThat(blocks.get(2).der()).containsExactly(0x30, 0x00);
        assertThat(PemBlocks.read("no blocks here\n")).isEmpty();
    }

    @Test
    void fileErrorsNameTheLine() {
        assertThatThrownBy(() -> PemBlocks.read("x\n-----BEGIN CERTIFICATE-----\nMAA=\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 2: CERTIFICATE block without -----END CERTIFICATE-----");
        assertThatThrownBy(() -> PemBlocks.read("-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n"))
                .hasMessage("line 3: expected -----END CERTIFICATE-----, found -----END X509 CRL-----");
        assertThatThrownBy(() -> PemBlocks.read("-----BEGIN CERTIFICATE-----\r\nMAAA\r\nMA!A\r\n-----END CERTIFICATE-----\r\n"))
                .hasMessageStartingWith("line 3: invalid base64 character '!' in the CERTIFICATE block");
    }

    @Test
    void writtenPemIsCanonicalAndReadsBack() {
        String pem = PemBlocks.write("CERTIFICATE", LEAF);
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("\n-----END CERTIFICATE-----\n")
                .doesNotContain("\r");
        for (String line : pem.split("\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(64);
        }
        assertThat(pem).isEqualTo(Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64));
        assertThat(PemBlocks.read(pem).get(0).der()).isEqualTo(LEAF);
    }
}
