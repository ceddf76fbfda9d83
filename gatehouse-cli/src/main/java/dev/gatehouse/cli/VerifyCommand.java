package dev.gatehouse.cli;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.Pem;
import dev.gatehouse.pki.PkiException;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.pki.VerdictReport;
import dev.gatehouse.pki.VerificationParameters;
import dev.gatehouse.pki.VerificationParameters.Purpose;
import dev.gatehouse.server.RuntimeState;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse verify}: explain a certificate step by step with the gateway's verifier.
 *
 * <p>With {@code --config FILE --listener NAME} it judges the certificate exactly as that verify-mode
 * listener would: its trust store and CRLs loaded as {@code serve} loads them, its chain depth and its
 * {@code ignore_client_certificate_expiry}.
 *
 * <p>Exit codes: 0 {@code Success}; 1 the certificate fails verification; 2 usage or input error
 * (missing file, unparsable PEM, a trust store the gateway would refuse, an invalid configuration).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Explain a certificate step by step with the gateway's verifier.",
        footer = {"", "Examples:",
                "  gatehouse verify --trust-store partners-ca.pem client.pem",
                "  gatehouse verify --config gatehouse.yaml --listener api client.pem",
                "  gatehouse verify --trust-store ca.pem --crl ca.crl --format json client.pem",
                "  gatehouse verify --trust-store ca.pem --purpose server --hostname api.example.com server.pem"})
final class VerifyCommand implements Callable<Integer> {
    enum Format { text, json }

    enum PurposeOption { client, server, any }

    @Option(names = "--trust-store", paramLabel = "BUNDLE.pem",
            description = "PEM bundle of trust anchors (CA certificates); or use --config with --listener.")
    Path trustStore;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Gateway configuration; with --listener, judge as that listener does.")
    Path config;

    @Option(names = "--listener", paramLabel = "NAME",
            description = "A verify-mode listener of --config: its trust store, CRLs, depth and expiry setting.")
    String listener;

    @Option(names = "--intermediates", paramLabel = "PEM", description = "Extra intermediate certificates for path building.")
    Path intermediates;

    @Option(names = "--crl", paramLabel = "CRL", description = "CRL (PEM or DER) of a CA of the trust store; repeatable.")
    List<Path> crls = new ArrayList<>();

    @Option(names = "--purpose", paramLabel = "client|server|any",
            description = "Required purpose of the leaf (default: client).")
    PurposeOption purpose;

    @Option(names = "--hostname", paramLabel = "NAME", description = "For --purpose server: the DNS name or IP the leaf must name.")
    String hostname;

    @Option(names = "--at", paramLabel = "RFC3339-TIME", description = "Verify as of this time, e.g. 2025-01-31T12:00:00Z (default: now).")
    String at;

    @Option(names = "--max-depth", paramLabel = "N", description = "Certificates in the path, leaf and anchor included (default: 4).")
    Integer maxDepth;

    @Option(names = "--ignore-expiry", description = "Accept a leaf past its notAfter (ignore_client_certificate_expiry).")
    boolean ignoreExpiry;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CERT.pem", description = "The leaf certificate, optionally followed by intermediates.")
    Path certificate;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Instant time = null;
        if (at != null) {
            try {
                time = OffsetDateTime.parse(at).toInstant();
            } catch (DateTimeParseException e) {
                err.println("gatehouse verify: --at: " + at + " (expected: an RFC 3339 time such as 2025-01-31T12:00:00Z)");
                return Main.EXIT_USAGE;
            }
        }
        if (maxDepth != null && maxDepth < 1) {
            err.println("gatehouse verify: --max-depth: " + maxDepth + " (expected: >= 1)");
            return Main.EXIT_USAGE;
        }
        if (hostname != null && purpose != PurposeOption.server) {
            err.println("gatehouse verify: --hostname applies to --purpose server only");
            return Main.EXIT_USAGE;
        }
        if (config != null || listener != null) {
            return asListener(time, out, err);
        }
        if (trustStore == null) {
            err.println("gatehouse verify: give --trust-store BUNDLE.pem, or --config FILE with --listener NAME");
            err.println(Main.helpHint(spec.commandLine()));
            return Main.EXIT_USAGE;
        }
        Purpose p = switch (purpose == null ? PurposeOption.client : purpose) {
            case client -> Purpose.CLIENT;
            case server -> Purpose.SERVER;
            case any -> Purpose.ANY;
        };
        TrustStore store;
        List<X509Certificate> presented;
        List<X509Certificate> extra = List.of();
        try {
            store = TrustStore.load(trustStore, crls, TrustStoreLimits.DEFAULTS,
                    p == Purpose.CLIENT ? TrustStore.Use.CLIENT_VERIFICATION : TrustStore.Use.TARGET_VERIFICATION);
            presented = Pem.readCertificates(certificate);
            if (intermediates != null) {
                extra = Pem.readCertificates(intermediates);
            }
        } catch (PkiException e) {
            err.println("gatehouse verify: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        VerificationParameters params = new VerificationParameters(p, hostname, time, maxDepth, ignoreExpiry);
        return report(new CertificateVerifier().verify(store, presented, extra, params), out);
    }

    private int report(Verdict verdict, PrintStream out) {
        out.print(format == Format.json ? json(verdict) : text(verdict));
        out.flush();
        return verdict.isSuccess() ? Main.EXIT_OK : Main.EXIT_INVALID;
    }

    /** {@code --config FILE --listener NAME}: the listener's own trust store and parameters, nothing from flags. */
    private int asListener(Instant time, PrintStream out, PrintStream err) {
        if (config == null || listener == null) {
            err.println("gatehouse verify: --config and --listener go together");
            return Main.EXIT_USAGE;
        }
        List<String> conflicting = new ArrayList<>();
        if (trustStore != null) conflicting.add("--trust-store");
        if (!crls.isEmpty()) conflicting.add("--crl");
        if (intermediates != null) conflicting.add("--intermediates");
        if (purpose != null) conflicting.add("--purpose");
        if (maxDepth != null) conflicting.add("--max-depth");
        if (ignoreExpiry) conflicting.add("--ignore-expiry");
        if (!conflicting.isEmpty()) {
            err.println("gatehouse verify: " + String.join(", ", conflicting) + ": not with --listener (the listener's"
                    + " configuration decides; CERT.pem may hold the intermediates a client presents)");
            return Main.EXIT_USAGE;
        }
        RuntimeState.ClientVerification judged;
        List<X509Certificate> presented;
        try {
            GatewayConfig gateway = ConfigParser.parse(config);
            ListenerConfig l = gateway.listeners().stream().filter(x -> x.name().equals(listener)).findFirst().orElse(null);
            if (l == null) {
                err.println("gatehouse verify: --listener " + listener + ": no such listener in " + config + " (listeners: "
                        + gateway.listeners().stream().map(ListenerConfig::name).collect(Collectors.joining(", ")) + ")");
                return Main.EXIT_USAGE;
            }
            MutualAuthConfig mtls = l.mutualAuthentication();
            if (mtls == null || !mtls.verifies()) {
                err.println("gatehouse verify: --listener " + listener + ": its mutual_authentication mode is "
                        + (mtls == null ? "off" : mtls.mode().name().toLowerCase(java.util.Locale.ROOT))
                        + ", not verify or optional: it does not verify client certificates");
                return Main.EXIT_USAGE;
            }
            judged = RuntimeState.clientVerification(gateway, l);
            presented = Pem.readCertificates(certificate);
        } catch (ConfigException | PkiException e) {
            err.println("gatehouse verify: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        VerificationParameters params = judged.parameters().withTime(time);
        return report(new CertificateVerifier().verify(judged.trustStore(), presented, List.of(), params), out);
    }

    static String text(Verdict v) {
        return VerdictReport.text(v);
    }

    static String json(Verdict v) {
        return VerdictReport.json(v);
    }
}
