package dev.gatehouse.bench;

import dev.gatehouse.pki.testing.HeldCertificate;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;

/**
 * The benchmarks' PKI, shaped like the side-by-side benchmark's: an ECDSA P-256 root, an intermediate
 * ("Fleet CA") under it, and device certificates under the intermediate, all made at run time.
 */
final class Fleet {
    final HeldCertificate root;
    final HeldCertificate intermediate;
    final X509Certificate[][] devices;   // each: leaf, intermediate (what a device presents)

    /** @param size how many distinct device certificates (they share one key pair: only their DER must differ) */
    Fleet(int size) throws Exception {
        root = HeldCertificate.builder().commonName("Bench Root CA").ca(1).build();
        intermediate = HeldCertificate.builder().commonName("Bench Fleet CA").signedBy(root).ca(0).build();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair deviceKey = g.generateKeyPair();
        devices = new X509Certificate[size][];
        for (int i = 0; i < size; i++) {
            HeldCertificate d = HeldCertificate.builder().commonName("device-" + i).keyPair(deviceKey)
                    .signedBy(intermediate).clientAuth().addSanUri("spiffe://bench.local/device/" + i).build();
            devices[i] = new X509Certificate[] {d.certificate(), intermediate.certificate()};
        }
    }
}
