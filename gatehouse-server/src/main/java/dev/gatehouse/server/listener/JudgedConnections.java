package dev.gatehouse.server.listener;

import dev.gatehouse.pki.Verdict;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.tls.ClientCertificateJudge;
import io.netty.channel.Channel;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open connections whose client certificate was verified, so that they can be judged again: after a
 * reload, against the trust material now configured for their listener, and at the moment their
 * certificate path expires. A connection whose certificate is now revoked, no longer chains to the
 * trust store or has expired is closed gracefully ({@link HttpStage#closeGracefully}): HTTP/1.1 after
 * the response in flight, which says {@code Connection: close}; HTTP/2 with GOAWAY. Its last access-log
 * lines say why ({@code connection closed: client certificate no longer accepted: <code>}), and so does
 * the gateway's log, with the connection's trace id (a connection with no request in flight has no
 * access-log line left to carry it).
 *
 * <h2>Threading</h2>
 * {@link #register} runs on the connection's event loop when its handshake ends; it schedules the
 * expiry timer on that loop. Judging runs on the executor given (the gateway's reload thread), never on
 * an event loop: the verdict cache makes a chain judged before cost a hash, and a reload's new trust
 * store costs one verification per distinct chain. Closing is then signalled to each connection's own
 * loop.
 */
public final class JudgedConnections {
    private static final Logger log = LoggerFactory.getLogger(JudgedConnections.class);
    /** Past the earliest notAfter before judging again: the verifier counts the second itself as valid. */
    private static final long EXPIRY_SLACK_MILLIS = 1_000;

    private final Function<String, ListenerRuntime> current;
    private final Executor judging;
    private final Map<Channel, Judged> open = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder closed = new java.util.concurrent.atomic.LongAdder();

    private static final class Judged {
        final Channel channel;
        final String traceId;
        final ListenerRuntime acceptedWith;
        final String policyId;
        final X509Certificate[] chain;
        ScheduledFuture<?> expiry;
        volatile boolean closing;

        Judged(Channel channel, String traceId, ListenerRuntime acceptedWith, String policyId, X509Certificate[] chain) {
            this.channel = channel;
            this.traceId = traceId;
            this.acceptedWith = acceptedWith;
            this.policyId = policyId;
            this.chain = chain;
        }
    }

    /**
     * @param current the listener of that name in the state serving now ({@code null} if it has none)
     * @param judging where judging runs (not an event loop)
     */
    public JudgedConnections(Function<String, ListenerRuntime> current, Executor judging) {
        this.current = current;
        this.judging = judging;
    }

    /**
     * Remembers a connection whose chain {@code verdict} accepted, until it closes; schedules its judging
     * at the earliest expiry of the verified path. If the listener's state was replaced while the
     * handshake ran, judges it again at once.
     */
    void register(Channel channel, String traceId, ListenerRuntime listener, ServerNamePolicy policy,
                  X509Certificate[] chain, Verdict verdict) {
        Judged j = new Judged(channel, traceId, listener, policy.id(), chain);
        open.put(channel, j);
        Instant expires = earliestExpiry(verdict != null && verdict.isSuccess() ? verdict.path() : List.of(chain),
                policy.mutualAuthentication().ignoreClientCertificateExpiry());
        if (expires != null) {
            long delay = Math.max(0, expires.toEpochMilli() - System.currentTimeMillis()) + EXPIRY_SLACK_MILLIS;
            j.expiry = channel.eventLoop().schedule(() -> submit(j), delay, TimeUnit.MILLISECONDS);
        }
        channel.closeFuture().addListener(f -> {
            open.remove(channel);
            if (j.expiry != null) {
                j.expiry.cancel(false);
            }
        });
        if (current.apply(listener.name()) != listener) {
            submit(j);
        }
    }

    private static Instant earliestExpiry(List<X509Certificate> path, boolean ignoreLeafExpiry) {
        Instant earliest = null;
        for (int i = ignoreLeafExpiry ? 1 : 0; i < path.size(); i++) {
            Instant t = path.get(i).getNotAfter().toInstant();
            if (earliest == null || t.isBefore(earliest)) {
                earliest = t;
            }
        }
        return earliest;
    }

    /**
     * Judges every registered connection against the state serving now, on the calling thread (not an
     * event loop), and closes those it no longer accepts.
     *
     * @return how many connections were told to close
     */
    public int judgeAll() {
        int closed = 0;
        for (Judged j : open.values()) {
            if (judge(j)) {
                closed++;
            }
        }
        return closed;
    }

    /** Connections registered now (for tests and metrics). */
    public int size() {
        return open.size();
    }

    /** Connections told to close so far because their certificate was no longer accepted. */
    public long closedSoFar() {
        return closed.sum();
    }

    private void submit(Judged j) {
        try {
            judging.execute(() -> judge(j));
        } catch (RejectedExecutionException e) {
            // the gateway is stopping: every connection closes anyway
        }
    }

    /** @return whether the connection was told to close */
    private boolean judge(Judged j) {
        if (j.closing || !j.channel.isActive()) {
            return false;
        }
        ListenerRuntime now = current.apply(j.acceptedWith.name());
        if (now == null || now.tls() == null) {
            return false; // listener removed or now plain http: the reload drains it
        }
        // Judged under the policy it was accepted under; one a reload removed leaves its names to the listener's.
        ServerNamePolicy policy = now.policy(j.policyId);
        ClientCertificateJudge judge = (policy != null ? policy : now.defaultPolicy()).tls().judge();
        if (judge == null || !judge.verifies()) {
            return false; // mutual authentication no longer verifies: nothing to hold against the client
        }
        Verdict verdict = judge.judge(j.chain);
        if (verdict.isSuccess()) {
            return false;
        }
        j.closing = true;
        closed.increment();
        String reason = "client certificate no longer accepted: " + verdict.status();
        log.info("{}: closing the connection after its requests in flight: {} ({})", j.traceId, reason,
                verdict.explanation());
        HttpStage.closeGracefully(j.channel, reason);
        return true;
    }
}
