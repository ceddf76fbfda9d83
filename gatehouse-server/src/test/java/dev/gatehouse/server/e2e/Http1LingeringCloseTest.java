package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP/1.1 refusal of a large upload, on a real socket: Gatehouse answers 403 before it has read the
 * body and closes the connection, and the client, still sending, must neither lose the response nor see
 * the connection reset. A plain close with the client's bytes unread makes the kernel send a reset: the
 * client's next write fails ("Connection reset" or "Broken pipe") and it reads a reset, not the end of
 * the stream. Gatehouse lingers instead: it ends its side (FIN), drops what still comes, and closes when
 * the client has.
 */
class Http1LingeringCloseTest {
    @Test
    void aRefusedUploadGetsItsResponseAndAnOrderlyEndWhileTheClientIsStillSending(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                    default_action: { deny: { status: 403 } }
                """);
        Gateway gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.boundPort("web"))) {
            refuseAnUpload(s);
        } finally {
            gateway.stop(Duration.ofSeconds(2));
        }
    }

    /** The same over TLS: the linger comes before TLS, so the close_notify goes out before the FIN. */
    @Test
    void overTlsToo(@TempDir Path dir) throws Exception {
        HeldCertificate server = HeldCertificate.builder().commonName("web.test").addSanDns("web.test").serverAuth()
                .build();
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: https
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    default_action: { deny: { status: 403 } }
                """);
        Gateway gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", server.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                gateway.boundPort("web"))) {
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName("web.test")));
            s.setSSLParameters(params);
            refuseAnUpload(s);
        } finally {
            gateway.stop(Duration.ofSeconds(2));
        }
    }

    private static void refuseAnUpload(Socket s) throws IOException {
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        byte[] chunk = new byte[64 * 1024];
        out.write(("POST /upload HTTP/1.1\r\nHost: web.test\r\nContent-Length: " + (64L << 20) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        String head = ProxyTargets.readHead(s.getInputStream());
        assertThat(head).startsWith("HTTP/1.1 403").containsIgnoringCase("connection: close");

        // The client goes on sending its body regardless: 8 MiB more, far beyond what
        // the socket buffers hold, so a gateway that closed at once has reset the connection by now.
        for (int i = 0; i < 128; i++) {
            out.write(chunk);
        }
        s.shutdownOutput();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            rest.write(b);
        }
        assertThat(rest.toString(StandardCharsets.US_ASCII)).as("the 403's body, then the end of the stream")
                .isNotEmpty().doesNotContain("HTTP/1.1");
    }
}
