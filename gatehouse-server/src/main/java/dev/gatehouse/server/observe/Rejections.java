package dev.gatehouse.server.observe;

import dev.gatehouse.pki.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent rejections, newest first: handshakes refused (with the verifier's failing step and its
 * explanation, in the words {@code gatehouse verify} prints) and requests denied by a rule. A bounded ring:
 * the oldest is forgotten when it is full. What the admin API's {@code /api/v1/rejections} and the
 * dashboard show.
 *
 * <p>Thread-safe: adding takes a short lock (rejections are the exception, not every request).
 */
public final class Rejections {
    /** How many are kept. */
    public static final int CAPACITY = 1_000;

    /**
     * One rejection.
     *
     * @param time        when it happened
     * @param kind        {@code handshake} or {@code request}
     * @param listener    the listener's name
     * @param client      the client's address, {@code ip:port}
     * @param code        the failure code ({@code ClientCertUntrusted}, ...), or {@code RequestDenied}
     * @param step        the verifier's failing step as {@code gatehouse verify} prints it (name, outcome,
     *                    detail), or {@code null}
     * @param explanation why, in words
     * @param subject     the client certificate's subject (RFC 2253), or {@code null}
     * @param issuer      its issuer, or {@code null}
     * @param serial      its serial (upper-case hex), or {@code null}
     */
    public record Rejection(Instant time, String kind, String listener, String client, String code, String step,
                            String explanation, String subject, String issuer, String serial) {

        /** As one JSON object, the field names in snake_case. */
        public void appendJson(StringBuilder sb) {
            sb.append("{\"time\":");
            Json.quote(sb, time.toString());
            field(sb, "kind", kind);
            field(sb, "listener", listener);
            field(sb, "client", client);
            field(sb, "code", code);
            field(sb, "step", step);
            field(sb, "explanation", explanation);
            field(sb, "subject", subject);
            field(sb, "issuer", issuer);
            field(sb, "serial", serial);
            sb.append('}');
        }

        private static void field(StringBuilder sb, String name, String value) {
            sb.append(",\"").append(name).append("\":");
            Json.quote(sb, value);
        }
    }

    private final Rejection[] ring;
    private int next;
    private long total;

    public Rejections(int capacity) {
        ring = new Rejection[capacity];
    }

    public synchronized void add(Rejection r) {
        ring[next] = r;
        next = (next + 1) % ring.length;
        total++;
    }

    /** Rejections since start (also those the ring has forgotten). */
    public synchronized long total() {
        return total;
    }

    /** The newest {@code limit} rejections (at most {@link #CAPACITY}), newest first. */
    public synchronized List<Rejection> latest(int limit) {
        int n = (int) Math.min(Math.min(limit, ring.length), total);
        List<Rejection> out = new ArrayList<>(Math.max(0, n));
        for (int i = 1; i <= n; i++) {
            out.add(ring[Math.floorMod(next - i, ring.length)]);
        }
        return out;
    }
}
