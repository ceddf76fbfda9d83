package dev.gatehouse.server.observe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log files a gateway has open, shared by the runtime states that write to them: a reload that
 * keeps a log's path keeps writing to the same {@link LogFile} (same writer thread, nothing reordered);
 * one that changes it opens the new file, and the old one is closed when the last state using it is.
 *
 * <p>Thread-safe.
 */
public final class LogFiles implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogFiles.class);

    private final Map<Path, Shared> open = new LinkedHashMap<>();

    private static final class Shared {
        final LogFile file;
        int users;

        Shared(LogFile file) {
            this.file = file;
        }
    }

    /** Opener of a log file that is not open yet (e.g. {@link LogFile#open}). */
    @FunctionalInterface
    public interface Opener {
        LogFile open(Path path) throws IOException;
    }

    /** The open log file at {@code path}, opening it if needed; each call needs a {@link #release}. */
    public synchronized LogFile acquire(Path path, Opener opener) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        Shared s = open.get(key);
        if (s == null) {
            s = new Shared(opener.open(path));
            open.put(key, s);
        }
        s.users++;
        return s.file;
    }

    /** Gives back a file from {@link #acquire}; the last user closes it (its queued lines are written first). */
    public void release(LogFile file) {
        if (file == null) {
            return;
        }
        LogFile toClose = null;
        synchronized (this) {
            Path key = file.path().toAbsolutePath().normalize();
            Shared s = open.get(key);
            if (s != null && s.file == file && --s.users == 0) {
                open.remove(key);
                toClose = file;
            }
        }
        if (toClose != null) {
            closeQuietly(toClose);
        }
    }

    /** Reopens every open log file (after logrotate renamed them). */
    public void reopenAll() {
        for (LogFile f : snapshot()) {
            f.reopen();
        }
    }

    /** The files open now. */
    public synchronized java.util.List<LogFile> snapshot() {
        java.util.List<LogFile> files = new java.util.ArrayList<>();
        for (Shared s : open.values()) {
            files.add(s.file);
        }
        return files;
    }

    /** Closes every file, whoever still uses it (the gateway stops). */
    @Override
    public void close() {
        for (LogFile f : snapshot()) {
            closeQuietly(f);
        }
        synchronized (this) {
            open.clear();
        }
    }

    private static void closeQuietly(LogFile f) {
        try {
            f.close();
        } catch (IOException e) {
            log.warn("cannot close {}: {}", f.path(), e.toString());
        }
    }
}
