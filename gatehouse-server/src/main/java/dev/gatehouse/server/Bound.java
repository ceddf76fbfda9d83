package dev.gatehouse.server;

import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.TargetAddress;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound listener address of the {@link Gateway}: its server channel, the connections it accepted, and
 * the name of the listener it serves (a reload that renames a listener keeps its address bound and
 * renames this). Changed only under the gateway's lock; {@link #names} is read by accepting event loops.
 */
final class Bound {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    final TargetAddress address;
    final ChannelGroup connections;
    Channel server;
    /** The listener's name, and its name before a rename (or {@code null}); read after the state. */
    volatile Names names;

    record Names(String current, String former) {}

    Bound(TargetAddress address, String name) {
        this.address = address;
        this.names = new Names(name, null);
        this.connections = new DefaultChannelGroup("listener-" + name, GlobalEventExecutor.INSTANCE);
    }

    Channel server() {
        return server;
    }

    TargetAddress address() {
        return address;
    }

    ChannelGroup connections() {
        return connections;
    }

    void logListening(ListenerConfig l) {
        log.info("listener {} on {} ({}{})", l.name(), server.localAddress(),
                l.protocol().name().toLowerCase(java.util.Locale.ROOT),
                l.tls() == null ? "" : ", mutual authentication " + l.mutualAuthentication().mode()
                        .name().toLowerCase(java.util.Locale.ROOT) + ", "
                        + dev.gatehouse.server.tls.TlsProvider.forListener(l.tls()).describe());
    }

    /** What a failed bind means and what to do about it, for the usual causes; else the error's own words. */
    static String bindProblem(Throwable e, int port) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Address already in use")) {
            return "the address is already in use (expected: a free address; stop what listens on port " + port
                    + " or choose another port)";
        }
        if (m.contains("Permission denied")) {
            return "permission denied (expected: a port above 1023, or run with the CAP_NET_BIND_SERVICE capability)";
        }
        if (m.contains("Cannot assign requested address")) {
            return "no network interface of this host has that address (expected: one of this host's addresses,"
                    + " or 0.0.0.0 for all)";
        }
        return m;
    }
}
