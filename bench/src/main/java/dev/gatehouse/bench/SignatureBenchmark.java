package dev.gatehouse.bench;

import dev.gatehouse.pki.SignatureCache;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One ECDSA P-256 certificate signature check, cold (no cached result): what a new device's leaf costs
 * during its first handshake. {@code jdk}: {@link X509Certificate#verify} with the JDK's provider
 * (SunEC); {@code signatureCacheMiss}: Gatehouse's {@link SignatureCache} on a miss (hashing, cache
 * bookkeeping and the BouncyCastle check it uses for ECDSA).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignatureBenchmark {
    private X509Certificate[] leaves;
    private PublicKey issuerKey;
    private SignatureCache cache;
    private int next;

    @Setup
    public void setUp() throws Exception {
        Fleet fleet = new Fleet(64);
        leaves = new X509Certificate[fleet.devices.length];
        for (int i = 0; i < leaves.length; i++) {
            leaves[i] = fleet.devices[i][0];
        }
        issuerKey = fleet.intermediate.certificate().getPublicKey();
        cache = new SignatureCache(1); // holds about one entry: cycling 64 leaves always misses
    }

    private X509Certificate nextLeaf() {
        next = (next + 1) % leaves.length;
        return leaves[next];
    }

    @Benchmark
    public boolean jdk() throws Exception {
        X509Certificate c = nextLeaf();
        Signature s = Signature.getInstance(c.getSigAlgName()); // what X509Certificate.verify does, minus its own result cache
        s.initVerify(issuerKey);
        s.update(c.getTBSCertificate());
        return s.verify(c.getSignature());
    }

    @Benchmark
    public boolean signatureCacheMiss() {
        return cache.verifies(nextLeaf(), issuerKey);
    }
}
