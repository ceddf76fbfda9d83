package dev.gatehouse.server.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.testing.NamedTarget;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS context of an https target group is given back with the configuration that built it: once a
 * reload replaced it and its last connection ended, no reference to the native context is left (the
 * connections to the target that held one are closed with its pools), without waiting for a finalizer.
 */
class TargetTlsReleaseTest {
    @TempDir
    Path dir;

    @Test
    void aReplacedConfigurationFreesItsTargetTlsContext() throws Exception {
        HeldCertificate pin = HeldCertificate.builder().commonName("pinned.internal").addSanDns("pinned.internal")
                .serverAuth().build();
        Files.writeString(dir.resolve("pinned.pem"), pin.certificatePem());
        try (NamedTarget target = NamedTarget.start("pinned", pin)) {
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, yaml(target, "first"));
            Gateway gateway = Gateway.start(ConfigParser.parse(config));
            try {
                int port = gateway.boundPort("web");
                TargetTls first = gateway.state().targetGroups().group("app").tls();
                assumeThat(first.references()).as("a reference-counted (BoringSSL) context").isPositive();
                assertThat(get(port)).endsWith("target=pinned");
                assertThat(first.references()).as("its own and the pooled target connection's").isEqualTo(2);

                Files.writeString(config, yaml(target, "second"));
                ReloadResult reloaded = gateway.reload();
                assertThat(reloaded.success()).as(reloaded.toString()).isTrue();
                TargetTls second = gateway.state().targetGroups().group("app").tls();
                assertThat(second).isNotSameAs(first);

                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while ((gateway.liveStates() > 1 || first.references() > 0) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(gateway.liveStates()).as("the replaced configuration, closed").isEqualTo(1);
                assertThat(first.references()).as("references left to the replaced context").isZero();
                assertThat(second.references()).isEqualTo(1);
                assertThat(get(port)).as("the new context serves").endsWith("target=pinned");
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    private String yaml(NamedTarget target, String generation) {
        return """
                # %s
                listeners:
                  - name: web
                    address: 127.0.0.1:%d
                    protocol: http
                    default_action: { forward: app }
                trust_stores:
                  pinned: { ca_certificates: pinned.pem }
                target_groups:
                  app:
                    protocol: https
                    targets: ["%s"]
                    tls: { trust_store: pinned, server_name: pinned.internal }
                reload: { watch_files: false }
                """.formatted(generation, 0, target.address());
    }

    /** One request on a connection of its own, closed after the response (so it holds no configuration). */
    private static String get(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: gatehouse\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }
}
