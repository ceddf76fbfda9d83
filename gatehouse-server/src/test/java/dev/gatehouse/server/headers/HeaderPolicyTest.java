package dev.gatehouse.server.headers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.LogsConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.connection.ConnectionInfo;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderPolicyTest {
    static GatewayConfig config(Map<IdentityHeader, String> renames) {
        ListenerConfig l = new ListenerConfig("l", TargetAddress.of("127.0.0.1", 0), ListenerConfig.ListenerProtocol.HTTP,
                null, new MutualAuthConfig(MutualAuthConfig.MutualAuthMode.OFF, null, false, false, renames, false,
                ConfigLocation.synthetic("l")), List.of(), ActionConfig.Forward.to("g"), ListenerTimeouts.DEFAULTS,
                ConfigLocation.synthetic("l"));
        return new GatewayConfig(null, "g", List.of(l), Map.of(), Map.of(), LogsConfig.NONE, Duration.ofSeconds(1));
    }

    @Test
    void stripsDefaultsRenamesUnderscoreAndMixedFormsAndOtherProxiesHeaders() {
        SpoofableHeaders s = SpoofableHeaders.of(config(Map.of(IdentityHeader.LEAF, "X-My_Leaf")));
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-AMZN-MTLS-CLIENTCERT", "1").add("x_amzn_mtls_clientcert_serial_number", "2")
                .add("X-Amzn_Mtls-Clientcert-Subject", "3").add("x-my-leaf", "4").add("X_MY_LEAF", "5")
                .add("x-ssl-cert", "6").add("Client_Cert", "7").add("X-Other", "kept").add("x_other_thing", "kept");
        s.strip(h);
        assertThat(h.names()).containsExactlyInAnyOrder("X-Other", "x_other_thing");
    }

    @Test
    void stripsWholeFamiliesOfOtherProxiesCertificateHeadersButNotLookAlikes() {
        SpoofableHeaders s = SpoofableHeaders.of(config(Map.of(IdentityHeader.SUBJECT, "X-Device.Subject")));
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Client-Cert", "1").add("x-client-certificate", "1").add("X_CLIENT_VERIFY", "1")
                .add("X-Client-DN", "1").add("X-SSL-Client-Verify", "1").add("x_ssl_client_s_dn", "1")
                .add("X-Ssl-Client_Dn", "1").add("Ssl-Client-Cert", "1").add("SSL_CLIENT_I_DN", "1")
                .add("X-ARR-ClientCert", "1").add("X-Amzn-Mtls-Clientcert-Anything", "1")
                .add("x-amzn-mtls-clientcert_leaf_2", "1").add("X-Forwarded-Client-Cert-Chain", "1")
                .add("x-device.subject", "1")
                .add("X-Client-Id", "kept").add("X-SSL-Protocol", "kept").add("X-Amzn-Trace-Id", "kept")
                .add("X-Clientcert", "kept").add("Client-Certainty", "kept").add("X-SSL-Clients", "kept")
                .add("X-Device.Subjects", "kept").add("Host", "kept");
        s.strip(h);
        assertThat(h.names()).containsExactlyInAnyOrder("X-Client-Id", "X-SSL-Protocol", "X-Amzn-Trace-Id",
                "X-Clientcert", "Client-Certainty", "X-SSL-Clients", "X-Device.Subjects", "Host");
    }

    @Test
    void hopByHopIncludingNamedHeadersAreRemovedBeforeOwnHeadersAreAdded() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "keep-alive, X-A ,x-b").add("Connection", "X-C")
                .add("X-A", "1").add("X-B", "2").add("X-C", "3").add("Keep-Alive", "t").add("TE", "trailers")
                .add("Transfer-Encoding", "chunked").add("Upgrade", "h2c").add("Proxy-Connection", "x")
                .add("Trailer", "y").add("X-Keep", "k");
        HopByHopHeaders.strip(h);
        assertThat(h.names()).containsExactly("X-Keep");
        ConnectionInfo info = new ConnectionInfo("TID_0", new InetSocketAddress("10.0.0.9", 5000),
                new InetSocketAddress("127.0.0.1", 8443), true, List.of(Map.entry("X-Amzn-Mtls-Clientcert-Subject", "CN=a")),
                "CN=a");
        h.add("X-Forwarded-For", "1.1.1.1").add("X-Forwarded-For", "2.2.2.2");
        new ForwardedHeaders(info).addTo(h);
        assertThat(h.getAll("x-forwarded-for")).containsExactly("1.1.1.1, 2.2.2.2, 10.0.0.9");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
        assertThat(h.get("x-forwarded-port")).isEqualTo("8443");
        assertThat(h.get("x-amzn-mtls-clientcert-subject")).isEqualTo("CN=a");
    }
}
