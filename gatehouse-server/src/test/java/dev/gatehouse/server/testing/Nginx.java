package dev.gatehouse.server.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Debian's nginx ({@code /usr/sbin/nginx}) as a real target, in the foreground, with everything it writes
 * under one directory: {@link #start} takes the {@code server { ... }} blocks (with {@code %1$s} standing for
 * that directory and {@code %2$d} for the port it chose) and returns once nginx listens. Its worker runs as
 * the test's user (so that it can read the test's temporary files; nginx ignores {@code user} unless
 * started as root).
 */
public final class Nginx implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;

    private Nginx(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Whether nginx is installed. */
    public static boolean installed() {
        return Files.isExecutable(Path.of("/usr/sbin/nginx"));
    }

    public static Nginx start(Path dir, String servers) throws Exception {
        Files.createDirectories(dir.resolve("nginx-tmp"));
        int port = FreePort.loopback();
        String conf = """
                user root;
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log;
                events { worker_connections 256; }
                http {
                    access_log %1$s/nginx-access.log;
                    client_body_temp_path %1$s/nginx-tmp;
                    proxy_temp_path %1$s/nginx-tmp;
                    fastcgi_temp_path %1$s/nginx-tmp;
                    uwsgi_temp_path %1$s/nginx-tmp;
                    scgi_temp_path %1$s/nginx-tmp;
                """.formatted(dir) + servers.formatted(dir, port) + "\n}\n";
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder("/usr/sbin/nginx", "-p", dir.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        Nginx nginx = new Nginx(p, dir, port);
        nginx.awaitListening();
        return nginx;
    }

    public int port() {
        return port;
    }

    /** nginx's access log so far. */
    public String accessLog() throws IOException {
        Path log = dir.resolve("nginx-access.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * Waits up to 5 s until nginx's access log holds {@code count} lines that {@code match}, and returns those
     * lines (fewer if the time ran out). nginx writes a request's line after it has sent the response, so a
     * client that has its response may look before the line is there.
     */
    public List<String> awaitAccessLines(Predicate<String> match, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<String> lines = accessLog().lines().filter(match).toList();
            if (lines.size() >= count || System.nanoTime() > deadline) {
                return lines;
            }
            Thread.sleep(20);
        }
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new AssertionError("nginx exited: " + Files.readString(dir.resolve("nginx.out")) + " "
                            + (Files.exists(dir.resolve("nginx-error.log")) ? Files.readString(dir.resolve("nginx-error.log")) : ""));
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nginx does not listen on " + port);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
