package dev.gatehouse.server.reload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices changes to a set of files by looking at them every {@value #POLL_MILLIS} ms, and reports a
 * change once the files have been quiet for {@value #QUIET_MILLIS} ms (debouncing: a CA that writes a
 * CRL and then its bundle causes one reload). A change is noticed within about a second.
 *
 * <h2>What counts as a change</h2>
 * Each file is fingerprinted by the path it resolves to through every symbolic link, its identity on
 * disk (inode), size, modification time and, for files up to {@value #MAX_HASHED_BYTES} bytes, a
 * checksum of its content. So all of these are seen: a write in place (even one that keeps size and
 * time), a tool's write-to-a-temporary-file-then-rename, and the atomic swap by which Kubernetes updates
 * a mounted Secret or ConfigMap (the file is a link through {@code ..data}, a link to a timestamped
 * directory, which is replaced by a rename). A file that disappears or appears is a change too.
 * Polling is used rather than file-system events: events are not delivered for a link's target that
 * changes, nor on every file system, while a poll of a handful of small files costs microseconds.
 *
 * <h2>Threading</h2>
 * One daemon thread polls and calls the listener (which may take as long as a reload takes: polling
 * resumes after it). {@link #watch} may be called from any thread, the listener's included.
 */
public final class FileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);

    /** How often the files are looked at. */
    public static final long POLL_MILLIS = 250;
    /** How long the files must stay unchanged after a change before it is reported. */
    public static final long QUIET_MILLIS = 400;
    /** Files up to this size are also compared by content. */
    public static final long MAX_HASHED_BYTES = 1 << 20;

    private final Runnable onChange;
    private final ScheduledExecutorService poller;
    private Map<Path, Fingerprint> watched = Map.of();
    /** When the last difference was seen; 0 when nothing is pending. */
    private long changedAt;

    /** What a file looked like: {@code real} is {@code null} when it did not exist. */
    record Fingerprint(Path real, Object fileKey, long size, long modifiedNanos, long checksum) {
        static final Fingerprint MISSING = new Fingerprint(null, null, -1, -1, -1);
    }

    /**
     * Starts watching {@code files} (their state now is the baseline).
     *
     * @param onChange called on the watcher's thread after a change, once the files are quiet again
     */
    public FileWatcher(List<Path> files, Runnable onChange) {
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-file-watcher");
            t.setDaemon(true);
            return t;
        });
        watch(files);
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Watches {@code files} from now on. Files already watched keep their last fingerprint (a change not
     * yet reported stays pending); new ones are fingerprinted now.
     */
    public synchronized void watch(List<Path> files) {
        Map<Path, Fingerprint> next = new LinkedHashMap<>();
        for (Path f : files) {
            Path key = f.toAbsolutePath().normalize();
            Fingerprint known = watched.get(key);
            next.put(key, known != null ? known : fingerprint(key));
        }
        watched = next;
    }

    /** The files watched now. */
    public synchronized List<Path> files() {
        return List.copyOf(watched.keySet());
    }

    private void poll() {
        try {
            boolean report = false;
            synchronized (this) {
                Map<Path, Fingerprint> now = new LinkedHashMap<>();
                boolean differs = false;
                for (Map.Entry<Path, Fingerprint> e : watched.entrySet()) {
                    Fingerprint f = fingerprint(e.getKey());
                    now.put(e.getKey(), f);
                    if (!f.equals(e.getValue())) {
                        differs = true;
                        log.debug("{} changed", e.getKey());
                    }
                }
                watched = now;
                long t = System.nanoTime();
                if (differs) {
                    changedAt = t == 0 ? 1 : t;
                } else if (changedAt != 0 && t - changedAt >= TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)) {
                    changedAt = 0;
                    report = true;
                }
            }
            if (report) {
                onChange.run();
            }
        } catch (RuntimeException e) {
            log.error("file watcher: {}", e.toString(), e);
        }
    }

    static Fingerprint fingerprint(Path file) {
        try {
            Path real = file.toRealPath();
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long checksum = 0;
            if (a.isRegularFile() && a.size() <= MAX_HASHED_BYTES) {
                CRC32C crc = new CRC32C();
                try (InputStream in = Files.newInputStream(real)) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        crc.update(buf, 0, n);
                    }
                }
                checksum = crc.getValue();
            }
            return new Fingerprint(real, a.fileKey(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), checksum);
        } catch (NoSuchFileException e) {
            return Fingerprint.MISSING;
        } catch (IOException e) {
            // Unreadable now (permissions changing, a swap half-done): a state of its own, so that the
            // file becoming readable again is a change.
            return new Fingerprint(null, e.getClass().getName(), -1, -1, -1);
        }
    }

    /** Stops watching. */
    @Override
    public void close() {
        poller.shutdownNow();
    }
}
