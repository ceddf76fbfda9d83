package dev.gatehouse.server.e2e;

import dev.gatehouse.pki.testing.HeldCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A directory laid out as Kubernetes mounts a Secret or ConfigMap: each file {@code NAME} is a link to
 * {@code ..data/NAME}, {@code ..data} is a link to a directory holding the current version, and an update
 * writes a new version directory, points a new link at it and renames that link over {@code ..data}
 * (one atomic step), then deletes the old version.
 */
final class MountedSecret {
    private final Path dir;
    private int version;

    MountedSecret(Path dir) {
        this.dir = dir;
    }

    /** Installs a new version holding {@code files} (name to content). */
    void update(Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        Path versionDir = dir.resolve(versionName(++version));
        Files.createDirectories(versionDir);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(versionDir.resolve(f.getKey()), f.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(versionName(version)));
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String name : files.keySet()) {
            if (!Files.isSymbolicLink(dir.resolve(name))) {
                Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
            }
        }
        if (version > 1) {
            Path old = dir.resolve(versionName(version - 1));
            for (String name : files.keySet()) {
                Files.deleteIfExists(old.resolve(name));
            }
            Files.delete(old);
        }
    }

    /**
     * Installs a new version holding a TLS secret as Kubernetes names its files: {@code tls.crt}
     * ({@code leaf} then {@code issuer}) and {@code tls.key}.
     */
    void updateTls(HeldCertificate leaf, HeldCertificate issuer) throws IOException {
        update(Map.of("tls.crt", leaf.certificatePem() + issuer.certificatePem(), "tls.key", leaf.privateKeyPem()));
    }

    private static String versionName(int n) {
        return String.format("..2026_11_28_00_00_%02d.%d", n % 60, n);
    }
}
