package dev.gatehouse.bench;

import dev.gatehouse.pki.CachingVerifier;
import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.SignatureCache;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.pki.VerificationParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The handshake's verifier as the gateway calls it ({@link CachingVerifier} with the chain the TLS stack
 * hands over). {@code hit}: a returning client (the {@code new} mode of the side-by-side benchmark);
 * {@code miss}: a device seen for the first time ({@code fleet}): path building, every check and one
 * leaf signature, the intermediate's signature coming from the signature cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VerifierBenchmark {
    private static final int DEVICES = 1024;

    private TrustStore store;
    private Fleet fleet;
    private List<X509Certificate> returning;
    private VerificationParameters params;
    private CachingVerifier warm;
    private CachingVerifier cold;

    @Setup
    public void setUp() throws Exception {
        fleet = new Fleet(DEVICES);
        Path dir = Files.createTempDirectory("gatehouse-bench");
        Path bundle = dir.resolve("ca.pem");
        Files.writeString(bundle, fleet.root.certificatePem());
        store = TrustStore.load(bundle, List.of(), TrustStoreLimits.DEFAULTS, TrustStore.Use.CLIENT_VERIFICATION);
        params = VerificationParameters.client();
        returning = Arrays.asList(fleet.devices[0]);
        warm = new CachingVerifier(new CertificateVerifier(new SignatureCache(1000)), 1000);
        check(warm.verify(store, returning, params));
    }

    /** Every invocation of {@link #miss} starts with empty verdict and signature caches: each device is new. */
    @Setup(Level.Invocation)
    public void coldCaches() {
        cold = new CachingVerifier(new CertificateVerifier(new SignatureCache(2 * DEVICES)), 2 * DEVICES);
    }

    private static Verdict check(Verdict v) {
        if (!v.isSuccess()) {
            throw new IllegalStateException(v.explanation());
        }
        return v;
    }

    @Benchmark
    public Verdict hit() {
        return warm.verify(store, returning, params);
    }

    /** The whole fleet once, every device new (one invocation takes long enough for a per-invocation setup). */
    @Benchmark
    @OperationsPerInvocation(DEVICES)
    public int miss() {
        int trusted = 0;
        for (X509Certificate[] chain : fleet.devices) {
            if (cold.verify(store, Arrays.asList(chain), params).isSuccess()) {
                trusted++;
            }
        }
        if (trusted != DEVICES) {
            throw new IllegalStateException(trusted + " of " + DEVICES + " devices trusted");
        }
        return trusted;
    }
}
