package dev.gatehouse.server.observe;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A log file written line by line by its own thread, so that event loops never touch the disk.
 *
 * <h2>Threading</h2>
 * {@link #append} may be called from any thread and never blocks: it offers the line to a bounded
 * queue. When the queue is full (the disk cannot keep up), the line is dropped and counted in
 * {@link #dropped()}; the writer thread notes each run of drops in the file itself, so a gap in the
 * log is never silent. A write error (disk full, I/O error) loses the lines it could not write — counted
 * in {@link #dropped()} and {@link #writeErrors()}, reported at most once a minute — and the writer
 * reopens the file and goes on. {@link #close()} drains the queue and flushes, waiting a bounded time.
 *
 * <h2>Rotation</h2>
 * {@link #reopen()} (SIGUSR1) queues a marker: lines queued before it go to the file the writer has open
 * (which may have been renamed by logrotate meanwhile), lines after it to a file opened afresh at
 * {@link #path()}. No line is lost or written twice.
 */
public final class LogFile implements Closeable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LogFile.class);
    /** Lines held in memory before new ones are dropped. */
    public static final int DEFAULT_CAPACITY = 65_536;

    private static final String STOP = new String("stop");
    private static final String REOPEN = new String("reopen");
    /**
     * Pause of the writer after each batch. Under load lines arrive far faster than this: a handshake-heavy
     * gateway wrote and flushed one line per wake-up, at 5% of its CPU (writer thread and the event loops'
     * wake-ups together); batching them costs at most this much delay before a line reaches the file.
     */
    static final long BATCH_PAUSE_MILLIS = 20;

    private final Path path;
    private final BlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread writer;
    private volatile BufferedWriter out;
    private final AtomicLong writeErrors = new AtomicLong();
    private long lastErrorReport = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);
    private volatile boolean closed;

    private LogFile(Path path, int capacity) throws IOException {
        this.path = path;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.out = openAppending(path);
        this.writer = new Thread(this::drain, "gatehouse-log-" + path.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens {@code path} for appending, creating the file if needed but never a directory: its directory
     * must exist (a gateway running as root must not create directories wherever a config says).
     */
    public static LogFile open(Path path) throws IOException {
        String problem = problem(path);
        if (problem != null) {
            throw new IOException(problem);
        }
        return new LogFile(path, DEFAULT_CAPACITY);
    }

    /**
     * Why {@link #open} would refuse {@code path}, or {@code null} if it would open it: the checks a
     * configuration check makes without creating anything.
     */
    public static String problem(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        if (Files.isDirectory(path)) {
            return path + " is a directory (expected: a file name inside an existing directory)";
        }
        if (parent != null && !Files.isDirectory(parent)) {
            return "directory " + parent + (Files.exists(parent) ? " is not a directory" : " does not exist")
                    + " (expected: an existing directory; Gatehouse creates the log file, never directories)";
        }
        // Anything else that exists may be appended to: a file, or a pipe or terminal such as /dev/stdout.
        if (Files.exists(path)) {
            if (!Files.isWritable(path)) {
                return path + " is not writable (expected: a file this user can append to; check its permissions)";
            }
        } else if (parent != null && !Files.isWritable(parent)) {
            return "cannot create " + path + ": directory " + parent
                    + " is not writable (expected: a directory this user can create files in)";
        }
        return null;
    }

    private static BufferedWriter openAppending(Path path) throws IOException {
        return Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /**
     * Continues in a file opened afresh at {@link #path()} (creating it), after the lines queued so far
     * were written to the file open now: what logrotate needs after renaming the file. Any thread but an
     * event loop: waits for room in the queue at most a second, then gives up with a warning.
     */
    public void reopen() {
        if (closed) {
            return;
        }
        try {
            if (!queue.offer(REOPEN, 1, TimeUnit.SECONDS)) {
                log.warn("cannot reopen {}: its queue stays full", path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Queues one line (without its line end). Never blocks; drops and counts when full or closed.
     *
     * @return whether the line was queued ({@code false}: dropped)
     */
    public boolean append(String line) {
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Lines written to the file so far. */
    public long written() {
        return written.get();
    }

    public Path path() {
        return path;
    }

    private void drain() {
        List<String> batch = new ArrayList<>(1024);
        long reportedDrops = 0;
        int unflushed = 0; // lines in the writer's buffer: lost too if a flush fails
        while (true) {
            String first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                try {
                    out.flush();
                    written.addAndGet(unflushed);
                } catch (IOException e) {
                    writeFailed(e, unflushed);
                }
                unflushed = 0;
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, 4095);
            boolean stop = false;
            int done = 0;
            try {
                for (String line : batch) {
                    if (line == STOP) {
                        stop = true;
                    } else if (line == REOPEN) {
                        out.flush();
                        written.addAndGet(unflushed);
                        unflushed = 0;
                        out.close();
                        out = openAppending(path);
                    } else {
                        out.write(line);
                        out.write('\n');
                        unflushed++;
                    }
                    done++;
                }
                long d = dropped.get();
                if (d != reportedDrops) {
                    out.write("# gatehouse: " + (d - reportedDrops) + " log lines dropped\n");
                    reportedDrops = d;
                }
                if (stop || queue.isEmpty()) {
                    out.flush();
                    written.addAndGet(unflushed);
                    unflushed = 0;
                }
            } catch (IOException e) {
                // Disk full, I/O error: count what is lost, say so (rate-limited), reopen, keep going.
                writeFailed(e, unflushed + batch.size() - done);
                unflushed = 0;
                reportedDrops = dropped.get();
            }
            batch.clear();
            if (stop) {
                return;
            }
            // Let lines gather: while this thread sleeps, append() signals no one (no futex wake per line
            // on an event loop) and the next batch is written with one flush. Bounds the delay to disk.
            try {
                Thread.sleep(BATCH_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void writeFailed(IOException e, int lostLines) {
        dropped.addAndGet(lostLines);
        writeErrors.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastErrorReport > TimeUnit.MINUTES.toNanos(1)) {
            lastErrorReport = now;
            log.error("cannot write {} ({} lines lost so far): {}", path, dropped.get(), e.toString());
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // reopened below
        }
        try {
            out = openAppending(path);
        } catch (IOException reopen) {
            out = new BufferedWriter(java.io.Writer.nullWriter()) {
                @Override
                public void write(String str) throws IOException {
                    throw reopen;
                }
            };
        }
    }

    /** Write errors so far (each one also drops the lines it could not write). */
    public long writeErrors() {
        return writeErrors.get();
    }

    /**
     * Writes every queued line, flushes and closes the file. A second caller returns once the first is
     * done.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        // Never wait forever: a full queue behind a stuck disk must not hang a graceful stop. An interrupt
        // does not cut the wait short (the queued lines would be lost): it is kept for the caller.
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                if (!queue.offer(STOP, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    writer.interrupt();
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writer.isAlive() && System.nanoTime() < deadline) {
            try {
                writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            out.close();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
