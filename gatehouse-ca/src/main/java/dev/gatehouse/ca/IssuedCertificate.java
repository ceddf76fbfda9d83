package dev.gatehouse.ca;

import dev.gatehouse.pki.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * A certificate the CA has just issued, with its new private key and the chain it needs.
 *
 * <h2>Files ({@link #writeTo})</h2>
 * <ul>
 *   <li>{@code NAME.pem}: the certificate, then the intermediates up to (not including) the root:
 *       what a TLS client or server presents. With a root CA this is the certificate alone.
 *   <li>{@code NAME.key}: the private key, PKCS#8 PEM, created with mode 0600.
 * </ul>
 * The root is the trust anchor: it is {@code ca.pem} (and the last certificate of {@code chain.pem})
 * in the root CA's directory, and goes to whoever verifies, not with the certificate.
 */
public final class IssuedCertificate {
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final List<X509Certificate> intermediates;
    private final X509Certificate root;

    IssuedCertificate(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> intermediates,
            X509Certificate root) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.intermediates = Collections.unmodifiableList(new ArrayList<>(intermediates));
        this.root = root;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The CA certificates between this certificate and the root, nearest first; empty under a root CA. */
    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    /** The self-signed root the chain ends in. */
    public X509Certificate root() {
        return root;
    }

    /** The certificate followed by its intermediates: the content of {@code NAME.pem}. */
    public List<X509Certificate> chain() {
        List<X509Certificate> chain = new ArrayList<>(intermediates.size() + 1);
        chain.add(certificate);
        chain.addAll(intermediates);
        return chain;
    }

    /** {@code chain()} as canonical PEM. */
    public String chainPem() {
        return Pem.encode(chain());
    }

    /** The private key as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public String privateKeyPem() {
        return Pem.encode("PRIVATE KEY", privateKey.getEncoded());
    }

    /**
     * Writes {@code dir/name.pem} and {@code dir/name.key} (mode 0600 from creation), creating
     * {@code dir} if needed.
     *
     * @param overwrite replace existing files; without it, an existing file is an error and nothing is
     *     written
     * @throws java.nio.file.FileAlreadyExistsException naming the file that exists
     */
    public WrittenFiles writeTo(Path dir, String name, boolean overwrite) throws IOException {
        Objects.requireNonNull(dir, "dir");
        checkFileName(name);
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        if (!overwrite) {
            CaFiles.checkAbsent(cert, key);
        }
        Files.createDirectories(dir);
        CaFiles.write(key, privateKeyPem().getBytes(StandardCharsets.US_ASCII), true, overwrite);
        CaFiles.write(cert, chainPem().getBytes(StandardCharsets.US_ASCII), false, overwrite);
        return new WrittenFiles(cert, key);
    }

    /** Where {@link #writeTo} put the certificate chain and the private key. */
    public record WrittenFiles(Path certificate, Path privateKey) {
    }

    /**
     * A file name for a certificate of {@code subject}: its common name with every character other than
     * letters, digits, {@code .}, {@code -} and {@code _} replaced by {@code _} ({@code *.example.com}
     * gives {@code _.example.com}). Empty when the subject has no common name.
     */
    public static Optional<String> fileNameFor(X500Principal subject) {
        return Names.commonNameOf(subject)
                .map(cn -> cn.replaceAll("[^A-Za-z0-9._-]", "_"))
                .map(n -> n.startsWith(".") ? "_" + n.substring(1) : n)
                .filter(n -> !n.isEmpty());
    }

    /**
     * @throws IllegalArgumentException unless {@code name} is a plain file name (no directory part, not
     *     starting with a dot)
     */
    public static void checkFileName(String name) {
        if (name == null || name.isEmpty() || name.startsWith(".") || name.contains("/") || name.contains("\\")
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("name '" + name + "' (expected: a file name without directory,"
                    + " not starting with '.')");
        }
    }
}
