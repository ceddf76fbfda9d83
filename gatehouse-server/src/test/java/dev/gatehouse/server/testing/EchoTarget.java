package dev.gatehouse.server.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * A real HTTP/1.1 target on 127.0.0.1 that answers every request with {@code 200} and a body listing
 * the request line and the headers it received, one per line ({@code lower-case-name: value}), and
 * remembers each request's headers for assertions.
 */
public final class EchoTarget implements AutoCloseable {
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Map<String, List<String>>> seen = new ConcurrentLinkedQueue<>();

    private EchoTarget(HttpServer server) {
        this.server = server;
    }

    public static EchoTarget start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        EchoTarget t = new EchoTarget(server);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            StringBuilder body = new StringBuilder();
            body.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
            exchange.getRequestHeaders().forEach((name, values) -> {
                headers.put(name, List.copyOf(values));
                for (String v : values) {
                    body.append(name.toLowerCase(java.util.Locale.ROOT)).append(": ").append(v).append('\n');
                }
            });
            t.seen.add(headers);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return t;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Headers of the requests received so far, oldest first (names case-insensitive). */
    public List<Map<String, List<String>>> requests() {
        return List.copyOf(seen);
    }

    /** Headers of the most recent request. */
    public Map<String, List<String>> lastRequest() {
        List<Map<String, List<String>>> all = requests();
        if (all.isEmpty()) {
            throw new AssertionError("the target received no request");
        }
        return all.get(all.size() - 1);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
