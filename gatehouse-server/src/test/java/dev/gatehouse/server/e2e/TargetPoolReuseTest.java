package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ListenerHttp2;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive pool of a target keeps the connections a burst needed: an HTTP/2 client with 100 streams
 * in flight needs 100 HTTP/1.1 target connections on its event loop at once, and the next such burst
 * finds them all idle instead of connecting again (connecting anew for every burst cost HTTP/2
 * keep-alive 40% more CPU per request, bench/README.md).
 */
class TargetPoolReuseTest {
    private static final int STREAMS = 100;

    @Test
    void aSecondBurstOfConcurrentStreamsReusesEveryTargetConnectionOfTheFirst() throws Exception {
        try (Http2LimitsTest.GatedTarget target = new Http2LimitsTest.GatedTarget();
             ProxyHarness proxy = ProxyHarness.builder().protocol(ProxyHarness.Protocol.H2C).group("app", target.port())
                     .http2(new ListenerHttp2(STREAMS)).defaultAction(ActionConfig.Forward.to("app")).start();
             H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            for (int burst = 1; burst <= 2; burst++) {
                target.hold();
                List<CompletableFuture<H2Connection.Outcome>> streams = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    streams.add(h2.stream(Http2LimitsTest.sends(Http2LimitsTest.get("/burst/" + burst + "/" + i))));
                }
                // Every request of the burst is at the target, none answered: STREAMS connections in use at once.
                target.awaitRequests(burst * STREAMS);
                assertThat(target.requests.get()).isEqualTo(burst * STREAMS);
                target.open();
                for (CompletableFuture<H2Connection.Outcome> s : streams) {
                    H2Connection.Outcome o = s.get(20, TimeUnit.SECONDS);
                    assertThat(o.status()).isEqualTo(200);
                    assertThat(o.body()).isEqualTo("ok");
                }
                assertThat(target.sockets.size()).as("target connections after burst %d", burst).isEqualTo(STREAMS);
            }
        }
    }
}
