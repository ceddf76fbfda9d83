package dev.gatehouse.ca;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * How the CA writes files. Secret files (private keys) get mode 0600 when they are created, never by a
 * later chmod, so no other user can open them even for an instant. Replacing a file goes through a
 * temporary file in the same directory and an atomic rename, so readers see the old or the new
 * content, never a mix.
 */
final class CaFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private CaFiles() {
    }

    /**
     * Writes {@code content} to {@code target}. Without {@code overwrite} the file must not exist
     * ({@link FileAlreadyExistsException} naming it otherwise), and it is created exclusively.
     */
    static void write(Path target, byte[] content, boolean secret, boolean overwrite) throws IOException {
        if (overwrite) {
            replace(target, content, secret);
            return;
        }
        Files.createFile(target, attributes(target.toAbsolutePath().getParent(), secret));
        boolean done = false;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            writeFully(ch, content);
            ch.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(target);
            }
        }
    }

    /** Replaces {@code target} (or creates it) atomically: temporary file, fsync, rename. */
    static void replace(Path target, byte[] content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attributes(dir, secret));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writeFully(ch, content);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Fails with {@link FileAlreadyExistsException} naming the first of {@code files} that exists. */
    static void checkAbsent(Path... files) throws FileAlreadyExistsException {
        for (Path f : files) {
            if (Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(f.toString());
            }
        }
    }

    private static FileAttribute<?>[] attributes(Path dir, boolean secret) throws IOException {
        if (!Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return new FileAttribute<?>[0];
        }
        // Public files keep the default mode (umask); temporary files would otherwise be 0600.
        Set<PosixFilePermission> perms = secret ? OWNER_ONLY : PosixFilePermissions.fromString("rw-r--r--");
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)};
    }

    private static void writeFully(FileChannel ch, byte[] content) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
