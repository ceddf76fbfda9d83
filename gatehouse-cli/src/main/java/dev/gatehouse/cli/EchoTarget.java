package dev.gatehouse.cli;

import dev.gatehouse.pki.Json;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The quickstart's target: an HTTP server on 127.0.0.1 that answers every request with the request's
 * method, path and headers as JSON, so a user sees exactly what Gatehouse forwarded.
 */
final class EchoTarget implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private EchoTarget(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static EchoTarget start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            Map<String, List<String>> headers = new TreeMap<>(exchange.getRequestHeaders());
            StringBuilder json = new StringBuilder("{\n  \"method\": ").append(Json.quote(exchange.getRequestMethod()))
                    .append(",\n  \"path\": ").append(Json.quote(exchange.getRequestURI().toString()))
                    .append(",\n  \"headers\": {");
            String sep = "\n";
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                json.append(sep).append("    ").append(Json.quote(h.getKey())).append(": ")
                        .append(Json.quote(String.join(", ", h.getValue())));
                sep = ",\n";
            }
            json.append("\n  }\n}\n");
            byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "echo-target");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new EchoTarget(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
