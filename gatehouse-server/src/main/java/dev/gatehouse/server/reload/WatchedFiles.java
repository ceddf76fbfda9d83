package dev.gatehouse.server.reload;

import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ServerNameConfig;
import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.config.TlsConfig;
import dev.gatehouse.server.config.TrustStoreConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The files a configuration depends on: whose change reloads the gateway. */
public final class WatchedFiles {
    private WatchedFiles() {}

    /**
     * The configuration file itself, and every file it names: listener certificates and keys, session-ticket
     * keys, trust store CA bundles and CRLs, target groups' client certificates and keys. Log files are not
     * among them.
     */
    public static List<Path> of(GatewayConfig config) {
        Set<Path> files = new LinkedHashSet<>();
        if (config.source() != null) {
            files.add(config.source());
        }
        for (ListenerConfig l : config.listeners()) {
            if (l.tls() != null) {
                for (TlsConfig.CertificateKeyPair pair : l.tls().certificates()) {
                    add(files, pair);
                }
                if (l.tls().sessionResumption().ticketKeys() != null) {
                    files.add(l.tls().sessionResumption().ticketKeys());
                }
            }
            for (ServerNameConfig sn : l.serverNames()) {
                if (sn.tls() != null) {
                    for (TlsConfig.CertificateKeyPair pair : sn.tls().certificates()) {
                        add(files, pair);
                    }
                }
            }
        }
        for (TrustStoreConfig ts : config.trustStores().values()) {
            files.add(ts.caCertificates());
            files.addAll(ts.revocationLists());
        }
        for (TargetGroupConfig g : config.targetGroups().values()) {
            if (g.tls() != null && g.tls().clientCertificate() != null) {
                add(files, g.tls().clientCertificate());
            }
        }
        return List.copyOf(new ArrayList<>(files));
    }

    private static void add(Set<Path> files, TlsConfig.CertificateKeyPair pair) {
        files.add(pair.certificate());
        files.add(pair.privateKey());
    }
}
