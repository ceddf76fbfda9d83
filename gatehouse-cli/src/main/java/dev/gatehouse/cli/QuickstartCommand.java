package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CaParameters;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.ca.IssuanceProfile;
import dev.gatehouse.ca.IssueRequest;
import dev.gatehouse.ca.SubjectAltName;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.admin.GatewayProcess;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse quickstart}: a working mutual-TLS demo in one command. Creates (or reuses) a demo CA,
 * a server and a client certificate and a configuration under {@code --dir}, starts an echo target that
 * answers with the headers it received as JSON, and the gateway on 127.0.0.1 in verify mode, with an
 * admin listener on loopback (metrics, state, dashboard); prints the curl commands that succeed and fail
 * and the admin addresses. Ctrl-C stops everything.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Demo PKI, config, echo target and gateway on 127.0.0.1:8443 (verify mode).",
        footer = {"", "EXAMPLES", "  gatehouse quickstart", "  gatehouse quickstart --dir /tmp/gh --port 9443"})
final class QuickstartCommand implements Callable<Integer> {
    static final String CLIENT_CN = "demo-client";

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "quickstart",
            description = "where the demo CA, certificates, config and logs go (default: ${DEFAULT-VALUE}); reused if present")
    Path dir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8443",
            description = "the gateway's port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "0",
            description = "the admin listener's port on 127.0.0.1: metrics, state, dashboard (default: any free port)")
    int adminPort;

    @Override
    public Integer call() throws Exception {
        Signals.install();
        PrintStream out = System.out;
        Path base = dir.toAbsolutePath().normalize();
        try {
            preparePki(base);
        } catch (CaException | IOException e) {
            System.err.println("gatehouse quickstart: cannot prepare the demo PKI in " + base + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        try (EchoTarget echo = EchoTarget.start(0)) {
            Path config = base.resolve("gatehouse.yaml");
            Files.writeString(config, config(echo.port()), StandardCharsets.UTF_8);
            GatewayProcess process;
            try {
                process = GatewayProcess.start(ConfigParser.parse(config));
            } catch (ConfigException e) {
                System.err.println("gatehouse quickstart: " + e.getMessage());
                return Main.EXIT_USAGE;
            }
            Gateway gateway = process.gateway();
            Signals.serving(() -> gateway.requestReload("SIGHUP"), gateway::reopenLogs);
            int bound = gateway.boundPort("quickstart");
            String url = "https://localhost:" + bound + "/hello";
            String cacert = base.resolve("ca/ca.pem").toString();
            out.println();
            out.println("Gatehouse is listening on https://127.0.0.1:" + bound + " (mutual TLS: verify mode),");
            out.println("forwarding to an echo target on 127.0.0.1:" + echo.port() + " that answers with the headers it got.");
            out.println();
            out.println("With the demo client certificate (succeeds; look for X-Amzn-Mtls-Clientcert-Subject):");
            out.println("  curl --cacert " + cacert + " --cert " + base.resolve("client.pem") + " --key "
                    + base.resolve("client.key") + " " + url);
            out.println();
            out.println("Without a client certificate (fails: the handshake ends with a certificate_required alert):");
            out.println("  curl --cacert " + cacert + " " + url);
            out.println();
            out.println("Why a client was accepted or rejected, one line per connection:");
            out.println("  tail -f " + base.resolve("logs/connection.log"));
            String admin = "http://127.0.0.1:" + process.admin().port();
            out.println("The admin listener (plain HTTP, loopback only): a dashboard at " + admin + "/, and");
            out.println("  " + admin + "/metrics   " + admin + "/api/v1/state   " + admin + "/api/v1/rejections");
            out.println("Configuration: " + config + "   CA: gatehouse ca list --dir " + base.resolve("ca"));
            out.println("Ctrl-C stops.");
            out.flush();
            Signals.awaitStop();
            process.stop(Duration.ofSeconds(5));
            out.println("gatehouse quickstart: stopped");
        }
        return Main.EXIT_OK;
    }

    private static void preparePki(Path base) throws IOException, CaException {
        // The gateway creates log files, never directories: the demo's own log directory is made here.
        Files.createDirectories(base.resolve("logs"));
        Path caDir = base.resolve("ca");
        CertificateAuthority ca = Files.exists(caDir.resolve(CertificateAuthority.CERTIFICATE_FILE))
                ? CertificateAuthority.open(caDir)
                : CertificateAuthority.initRoot(caDir, CaParameters.root().withCommonName("Gatehouse Quickstart Root CA"), false);
        if (!Files.exists(base.resolve("server.pem"))) {
            ca.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("localhost")
                            .subjectAltName(SubjectAltName.dns("localhost")).subjectAltName(SubjectAltName.ip("127.0.0.1"))
                            .days(90).build())
                    .writeTo(base, "server", true);
        }
        if (!Files.exists(base.resolve("client.pem"))) {
            ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).subject("CN=" + CLIENT_CN + ",O=Gatehouse Quickstart")
                            .days(90).build())
                    .writeTo(base, "client", true);
        }
        ca.publishCrl(CertificateAuthority.DEFAULT_CRL_DAYS);
    }

    private String config(int echoPort) {
        return """
                # Written by 'gatehouse quickstart'; rewritten on every run.
                name: quickstart
                listeners:
                  - name: quickstart
                    address: 127.0.0.1:%d
                    tls:
                      certificates:
                        - certificate: server.pem
                          private_key: server.key
                    mutual_authentication:
                      mode: verify
                      trust_store: demo-clients
                    default_action: { forward: echo }
                trust_stores:
                  demo-clients:
                    ca_certificates: ca/ca.pem
                    revocation_lists: [ ca/crl.pem ]
                target_groups:
                  echo:
                    targets: [ "127.0.0.1:%d" ]
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                admin:
                  address: 127.0.0.1:%d
                """.formatted(port, echoPort, adminPort);
    }
}
