package dev.gatehouse.server.tls;

import dev.gatehouse.pki.Pem;
import dev.gatehouse.pki.PkiException;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.TlsConfig.CertificateKeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain and its private key, loaded from the files of a {@code certificate} /
 * {@code private_key} pair: what a listener presents to clients and an https target group presents to
 * its targets, loaded and checked the same way for both.
 *
 * @param chain leaf first, never empty
 * @param key   the private key of the leaf
 */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
    public KeyMaterial {
        chain = List.copyOf(chain);
    }

    /**
     * Loads {@code pair}.
     *
     * @throws ConfigException naming the file and key of a certificate or key that cannot be loaded, or
     *                         of a key that does not belong to the certificate
     */
    public static KeyMaterial load(CertificateKeyPair pair) throws ConfigException {
        List<X509Certificate> chain;
        try {
            chain = Pem.readCertificates(pair.certificate());
        } catch (PkiException e) {
            throw new ConfigException(pair.certificateAt(), e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new ConfigException(pair.certificateAt(), pair.certificate() + " holds no certificate");
        }
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(pair.privateKey());
        } catch (PkiException e) {
            throw new ConfigException(pair.privateKeyAt(), e.getMessage());
        }
        if (!Pem.keyMatches(key, chain.get(0))) {
            throw new ConfigException(pair.privateKeyAt(), "the private key in " + pair.privateKey()
                    + " does not match the certificate in " + pair.certificate() + " (subject "
                    + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new KeyMaterial(chain, key);
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }
}
