package dev.gatehouse.server.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Real HTTP targets for proxy tests, on 127.0.0.1. */
public final class ProxyTargets {
    private ProxyTargets() {}

    /** What a target saw of one request. */
    public record Seen(String method, String uri, Map<String, List<String>> headers, long bodyBytes) {
        public String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : String.join(",", v);
        }
    }

    /**
     * A JDK {@code HttpServer} target. Paths: {@code /download/N} answers N bytes; {@code /upload} answers
     * {@code received=N}; {@code /stall} never answers (until closed); anything else echoes the request
     * line, the headers ({@code lower-case-name: value}) and, after an empty line, the body. Every answer
     * carries {@code X-Target: <name>}.
     */
    public static final class Http implements AutoCloseable {
        private final HttpServer server;
        private final String name;
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final CountDownLatch closed = new CountDownLatch(1);
        public final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

        private Http(String name) throws IOException {
            this.name = name;
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            server.setExecutor(pool);
            server.createContext("/", exchange -> {
                try {
                    String path = exchange.getRequestURI().getPath();
                    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
                    exchange.getResponseHeaders().set("X-Target", name);
                    if (path.startsWith("/download/")) {
                        long n = Long.parseLong(path.substring("/download/".length()));
                        long body = drain(exchange.getRequestBody());
                        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
                        exchange.sendResponseHeaders(200, n);
                        byte[] chunk = new byte[64 * 1024];
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) i;
                        }
                        try (OutputStream out = exchange.getResponseBody()) {
                            long left = n;
                            while (left > 0) {
                                int k = (int) Math.min(chunk.length, left);
                                out.write(chunk, 0, k);
                                left -= k;
                            }
                        }
                        return;
                    }
                    if (path.equals("/stall")) {
                        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers,
                                drain(exchange.getRequestBody())));
                        closed.await(60, TimeUnit.SECONDS);
                        exchange.close();
                        return;
                    }
                    if (path.equals("/upload")) {
                        long body = drain(exchange.getRequestBody());
                        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
                        byte[] out = ("received=" + body).getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, out.length);
                        exchange.getResponseBody().write(out);
                        exchange.close();
                        return;
                    }
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body.length));
                    StringBuilder sb = new StringBuilder();
                    sb.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
                    exchange.getRequestHeaders().forEach((k, v) -> {
                        for (String s : v) {
                            sb.append(k.toLowerCase(Locale.ROOT)).append(": ").append(s).append('\n');
                        }
                    });
                    sb.append('\n');
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
                    out.writeBytes(body);
                    exchange.getResponseHeaders().set("Content-Type", "text/plain");
                    exchange.sendResponseHeaders(200, out.size());
                    exchange.getResponseBody().write(out.toByteArray());
                    exchange.close();
                } catch (Exception e) {
                    exchange.close();
                } catch (Throwable t) {
                    exchange.close();
                    throw t;
                }
            });
            server.start();
        }

        public static Http start(String name) throws IOException {
            return new Http(name);
        }

        public int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            closed.countDown();
            server.stop(0);
            pool.shutdownNow();
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            n += r;
        }
        return n;
    }

    /** What a {@link Raw} target does with one accepted connection. */
    @FunctionalInterface
    public interface Behavior {
        void serve(Socket s) throws Exception;
    }

    /** A raw socket target whose every connection is served by a {@link Behavior}. */
    public static final class Raw implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;
        public final ConcurrentLinkedQueue<String> heads = new ConcurrentLinkedQueue<>();

        private Raw(Behavior behavior) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> {
                            try (s) {
                                behavior.serve(s);
                            } catch (Exception ignored) {
                                // the behaviour decides how the connection ends
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "raw-target");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        public static Raw start(Behavior behavior) throws IOException {
            return new Raw(behavior);
        }

        public int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** Reads a request head (through the empty line) from {@code in}. */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                return sb.toString();
            }
        }
        throw new IOException("connection closed in the head: " + sb);
    }

    /** The Content-Length of a head, or 0. */
    public static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    /** Reads exactly {@code n} bytes (or to the end of the stream). */
    public static long readBody(InputStream in, long n) throws IOException {
        byte[] buf = new byte[8192];
        long got = 0;
        while (got < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }
}
