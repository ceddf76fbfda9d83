package dev.gatehouse.server.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A raw-socket HTTP/1.1 target that parses what it receives as strictly as a real server would (head,
 * then a body framed by {@code Content-Length} or chunked, else none; several requests per connection)
 * and records each request exactly as its bytes arrived. A request Gatehouse forwarded unframed shows up
 * here as two. Every request is answered {@code 200} with the body {@code ok}.
 */
public final class RecordingTarget implements AutoCloseable {
    /** One request as received: its head (request line and header lines), body and trailer lines. */
    public record Request(String head, byte[] body, List<String> trailers) {
        public String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }

        /** Every value of header {@code name} (case-insensitive), in order. */
        public List<String> headers(String name) {
            return values(headLines(), name);
        }

        public List<String> headLines() {
            List<String> lines = new ArrayList<>(List.of(head.split("\r\n")));
            lines.remove(0);
            return lines;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        static List<String> values(List<String> lines, String name) {
            List<String> out = new ArrayList<>();
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    out.add(line.substring(colon + 1).trim());
                }
            }
            return out;
        }
    }

    private final ServerSocket server;
    public final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    private RecordingTarget() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "recording-target-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "recording-target");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RecordingTarget start() throws IOException {
        return new RecordingTarget();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head;
                try {
                    head = ProxyTargets.readHead(in);
                } catch (IOException closed) {
                    return;
                }
                List<String> lines = new ArrayList<>(List.of(head.split("\r\n")));
                lines.remove(0);
                List<String> te = Request.values(lines, "transfer-encoding");
                List<String> cl = Request.values(lines, "content-length");
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                List<String> trailers = new ArrayList<>();
                if (!te.isEmpty() && String.join(",", te).toLowerCase(Locale.ROOT).contains("chunked")) {
                    while (true) {
                        int n = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                        if (n == 0) {
                            String t;
                            while (!(t = line(in)).isEmpty()) {
                                trailers.add(t);
                            }
                            break;
                        }
                        body.writeBytes(in.readNBytes(n));
                        line(in);
                    }
                } else if (!cl.isEmpty()) {
                    body.writeBytes(in.readNBytes(Integer.parseInt(cl.get(0))));
                }
                requests.add(new Request(head, body.toByteArray(), List.copyOf(trailers)));
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | RuntimeException ignored) {
            // the connection ends
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        if (c < 0) {
            throw new IOException("closed");
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
