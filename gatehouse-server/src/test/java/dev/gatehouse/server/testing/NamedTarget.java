package dev.gatehouse.server.testing;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.gatehouse.pki.testing.HeldCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP/1.1 (or HTTPS) target on 127.0.0.1 that says who it is: every request but the health
 * check is answered {@code 200} with the body {@code target=NAME} and counted; {@code /health} answers
 * the status set by {@link #healthStatus(int)} (200 at first) and is counted separately. Requests can be
 * slowed down with {@link #delayMillis(long)} (health checks are not).
 */
public final class NamedTarget implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger healthChecks = new AtomicInteger();
    private final AtomicInteger healthStatus = new AtomicInteger(200);
    private final AtomicLong delayMillis = new AtomicLong();

    private NamedTarget(String name, HttpServer server) {
        this.name = name;
        this.server = server;
    }

    public static NamedTarget start(String name) throws IOException {
        return start(name, (SSLContext) null);
    }

    /** @param tls the server side of TLS, or {@code null} for plain HTTP */
    /** An HTTPS target presenting {@code certificate} (alone, no chain). */
    public static NamedTarget start(String name, HeldCertificate certificate) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", certificate.keyPair().getPrivate(), new char[0],
                new Certificate[] {certificate.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return start(name, ctx);
    }

    public static NamedTarget start(String name, SSLContext tls) throws IOException {
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        NamedTarget t = new NamedTarget(name, server);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            byte[] body;
            int status;
            if (exchange.getRequestURI().getPath().equals("/health")) {
                t.healthChecks.incrementAndGet();
                status = t.healthStatus.get();
                body = ("health of " + name + "\n").getBytes(StandardCharsets.UTF_8);
            } else {
                t.requests.incrementAndGet();
                long delay = t.delayMillis.get();
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                status = 200;
                body = ("target=" + name + "\n").getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(t.executor);
        server.start();
        return t;
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Requests received other than health checks. */
    public int requests() {
        return requests.get();
    }

    public int healthChecks() {
        return healthChecks.get();
    }

    /** The status {@code /health} answers from now on. */
    public void healthStatus(int status) {
        healthStatus.set(status);
    }

    /** How long every other request waits before it is answered. */
    public void delayMillis(long millis) {
        delayMillis.set(millis);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
