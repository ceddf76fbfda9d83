package dev.gatehouse.server.target;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.CachingVerifier;
import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTlsConfig;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target certificates are verified through the verdict cache handed to {@link TargetTls} (the gateway's,
 * which also judges client certificates): real TLS handshakes to a target on loopback, the second one
 * answered from the cache.
 */
class TargetTlsVerdictCacheTest {
    @TempDir
    Path dir;

    @Test
    void aTargetChainIsVerifiedOnceAndThenAnsweredFromTheSharedCache() throws Exception {
        HeldCertificate targetCert = HeldCertificate.builder().commonName("pinned.internal")
                .addSanDns("pinned.internal").serverAuth().build();
        Path pinned = dir.resolve("pinned.pem");
        Files.writeString(pinned, targetCert.certificatePem());
        TrustStore store = TrustStore.load(pinned, List.of(), TrustStoreLimits.DEFAULTS,
                TrustStore.Use.TARGET_VERIFICATION);
        CachingVerifier verdicts = new CachingVerifier(new CertificateVerifier(), 100);
        TargetTls tls = TargetTls.build(new TargetTlsConfig("pinned", "pinned.internal", null,
                ConfigLocation.synthetic("target_groups.app.tls")), store, verdicts);

        SslContext serverTls = SslContextBuilder.forServer(targetCert.keyPair().getPrivate(), targetCert.certificate())
                .build();
        EventLoopGroup loops = Transport.NIO.eventLoops(1);
        try {
            Channel server = new ServerBootstrap().group(loops).channel(Transport.NIO.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(serverTls.newHandler(ch.alloc()));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            Target target = new Target(TargetAddress.of("127.0.0.1", port), 0, 5_000, tls);
            for (int i = 0; i < 2; i++) {
                Channel client = new Bootstrap().group(loops).channel(Transport.NIO.socketChannel())
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc(), target));
                            }
                        })
                        .connect(server.localAddress()).sync().channel();
                assertThat(client.pipeline().get(SslHandler.class).handshakeFuture().await().isSuccess()).isTrue();
                client.close().sync();
            }
            assertThat(verdicts.misses()).isEqualTo(1);
            assertThat(verdicts.hits()).isEqualTo(1);
            server.close().sync();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
