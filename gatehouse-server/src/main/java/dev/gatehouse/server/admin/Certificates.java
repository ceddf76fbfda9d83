package dev.gatehouse.server.admin;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.server.RuntimeState;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.listener.ServerNamePolicy;
import dev.gatehouse.server.tls.ServerTls;
import dev.gatehouse.server.target.TargetGroup;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every certificate a runtime state holds, with where it comes from: listener certificates, trust anchors,
 * and the certificates target groups present to their targets. The one list that expiry metrics and the
 * admin API's state both read.
 *
 * @param source      {@code listener}, {@code trust_store} or {@code target_group}
 * @param name        the listener's, trust store's or target group's name
 * @param certificate the certificate
 */
record Certificates(String source, String name, X509Certificate certificate) {

    String subject() {
        return CertificateNames.subject(certificate);
    }

    String serial() {
        return CertificateNames.serialHex(certificate);
    }

    long notAfterEpochSecond() {
        return certificate.getNotAfter().toInstant().getEpochSecond();
    }

    static List<Certificates> of(RuntimeState state) {
        List<Certificates> all = new ArrayList<>();
        for (ListenerRuntime l : state.listeners().values()) {
            // The listener's own certificates, then those its server_names entries add (once each).
            java.util.Set<X509Certificate> seen = new java.util.HashSet<>();
            List<ServerTls> tls = new ArrayList<>();
            if (l.tls() != null) {
                tls.add(l.tls());
            }
            for (ServerNamePolicy p : l.policies()) {
                tls.add(p.tls());
            }
            for (ServerTls t : tls) {
                for (X509Certificate c : t.certificates()) {
                    if (seen.add(c)) {
                        all.add(new Certificates("listener", l.name(), c));
                    }
                }
            }
        }
        for (Map.Entry<String, TrustStore> e : state.trustStores().entrySet()) {
            for (X509Certificate c : e.getValue().anchors()) {
                all.add(new Certificates("trust_store", e.getKey(), c));
            }
        }
        for (TargetGroup g : state.targetGroups().all().values()) {
            if (g.tls() != null && g.tls().clientCertificate() != null) {
                all.add(new Certificates("target_group", g.name(), g.tls().clientCertificate()));
            }
        }
        return all;
    }
}
