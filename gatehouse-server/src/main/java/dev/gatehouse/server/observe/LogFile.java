package dev.gatehouse.server.observe;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * log is never silent. {@link #close()} drains the queue and flushes.
 */
public final class LogFile implements Closeable {
    /** Lines held in memory before new ones are dropped. */
    public static final int DEFAULT_CAPACITY = 65_536;

    private static final String STOP = new String("stop");

    private final Path path;
    private final BlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread writer;
    private final BufferedWriter out;
    private volatile boolean closed;

    private LogFile(Path path, int capacity) throws IOException {
        this.path = path;
        this.queue = new ArrayBlockingQueue<>(capacity);
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        this.writer = new Thread(this::drain, "gatehouse-log-" + path.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens (creating directories and the file if needed) and appends to {@code path}. */
    public static LogFile open(Path path) throws IOException {
        return new LogFile(path, DEFAULT_CAPACITY);
    }

    /** Queues one line (without its line end). Never blocks; drops and counts when full or closed. */
    public void append(String line) {
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
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
        try {
            while (true) {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    out.flush();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 4095);
                boolean stop = false;
                for (String line : batch) {
                    if (line == STOP) {
                        stop = true;
                        continue;
                    }
                    out.write(line);
                    out.write('\n');
                    written.incrementAndGet();
                }
                batch.clear();
                long d = dropped.get();
                if (d != reportedDrops) {
                    out.write("# gatehouse: " + (d - reportedDrops) + " log lines dropped (writer could not keep up)\n");
                    reportedDrops = d;
                }
                if (queue.isEmpty()) {
                    out.flush();
                }
                if (stop) {
                    out.flush();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** Writes every queued line, flushes and closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            out.close();
        }
    }
}
