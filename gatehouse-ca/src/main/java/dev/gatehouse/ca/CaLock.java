package dev.gatehouse.ca;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive access to one CA directory, across threads and processes: a JVM-wide lock per directory
 * (a {@link FileLock} is held per JVM, not per thread) and then an OS lock on {@code DIR/.lock}.
 * Held while the index, CRL number or CRL files are read and rewritten.
 */
final class CaLock implements AutoCloseable {
    static final String FILE = ".lock";
    private static final ConcurrentMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private CaLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static CaLock acquire(Path dir) throws IOException {
        Path real = dir.toRealPath();
        ReentrantLock lock = IN_PROCESS.computeIfAbsent(real, k -> new ReentrantLock());
        lock.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(real.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl = ch.lock();
            return new CaLock(lock, ch, fl);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            lock.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            fileLock.release();
            channel.close();
        } finally {
            threadLock.unlock();
        }
    }
}
