package dev.gatehouse.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.listener.ServerNamePolicy;
import dev.gatehouse.server.reload.ReloadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener's TLS contexts, its own and those of its {@code server_names} policies, are given back with
 * the configuration that built them: once a reload replaced it (and it has no connection left), no
 * reference to any of its native contexts is left, without waiting for a finalizer.
 */
class ServerTlsReleaseTest {
    @TempDir
    Path dir;

    @Test
    void aReplacedConfigurationFreesTheContextsOfEveryServerNamePolicy() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Release CA").ca(0).build();
        HeldCertificate.builder().commonName("api.example.test").addSanDns("api.example.test").signedBy(ca)
                .serverAuth().build().writeTo(dir, "api");
        HeldCertificate.builder().commonName("partners.example.test").addSanDns("partners.example.test")
                .signedBy(ca).serverAuth().build().writeTo(dir, "partners");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml("first"));
        Gateway gateway = Gateway.start(ConfigParser.parse(config));
        try {
            List<ServerNamePolicy> first = gateway.state().listener("web").policies();
            assertThat(first).hasSize(2);
            assumeThat(first.get(0).tls().references()).as("reference-counted (BoringSSL) contexts").isPositive();
            assertThat(first.get(1).tls().references()).isPositive();

            Files.writeString(config, yaml("second"));
            ReloadResult reloaded = gateway.reload();
            assertThat(reloaded.success()).as(reloaded.toString()).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (gateway.liveStates() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(gateway.liveStates()).as("the replaced configuration, closed").isEqualTo(1);
            assertThat(first.get(0).tls().references()).as("the listener's own contexts").isZero();
            assertThat(first.get(1).tls().references()).as("the server name's contexts").isZero();
            ListenerRuntime now = gateway.state().listener("web");
            assertThat(now.policies().get(1).tls().references()).isPositive();
        } finally {
            gateway.stop(Duration.ofSeconds(2));
        }
    }

    private String yaml(String generation) {
        return """
                # %s
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: api.pem, private_key: api.key } ] }
                    server_names:
                      - names: ["partners.example.test"]
                        certificates: [ { certificate: partners.pem, private_key: partners.key } ]
                    default_action: { fixed_response: { status: 200, body: "ok" } }
                reload: { watch_files: false }
                """.formatted(generation);
    }
}
