package dev.gatehouse.server.admin;

import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.RuntimeState;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.observe.Rejections;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetGroup;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The admin API's documents: {@code /api/v1/state}, {@code /api/v1/rejections} and the reload's answer. */
final class StateJson {
    private StateJson() {}

    /**
     * The serving state: listeners (address, mode, certificates with expiry), trust stores (anchors with
     * expiry, CRLs with their nextUpdate and staleness), target groups with each target's health, the
     * configuration generation and the last reload.
     */
    static String state(Gateway gateway) {
        RuntimeState s = gateway.state();
        Instant now = Instant.now();
        JsonWriter w = new JsonWriter().begin();
        w.field("now", now.toString()).field("gateway", s.config().name()).field("generation", s.generation())
                .field("readiness", gateway.telemetry().readiness().name().toLowerCase(java.util.Locale.ROOT));
        ReloadResult last = gateway.reloadHistory().last();
        Instant lastSuccess = gateway.reloadHistory().lastSuccess();
        w.begin("last_reload").field("success", last.success()).field("generation", last.generation())
                .field("error", last.error()).field("at", last.at().toString())
                .field("last_success_at", lastSuccess == null ? null : lastSuccess.toString())
                .field("reloads_succeeded", gateway.reloadHistory().count(true))
                .field("reloads_failed", gateway.reloadHistory().count(false)).end();
        List<Certificates> certificates = Certificates.of(s);
        w.beginArray("listeners");
        for (ListenerRuntime l : s.listeners().values()) {
            ListenerConfig c = l.config();
            MutualAuthConfig mtls = c.mutualAuthentication();
            java.net.InetSocketAddress bound = gateway.boundAddress(l.name());
            String address = bound == null ? c.address().toString()
                    : bound.getAddress().getHostAddress() + ":" + bound.getPort();
            w.begin().field("name", l.name()).field("address", address)
                    .field("protocol", c.protocol().name().toLowerCase(java.util.Locale.ROOT))
                    .field("mode", mtls.mode().name().toLowerCase(java.util.Locale.ROOT))
                    .field("trust_store", mtls.trustStore());
            certificates(w, certificates, "listener", l.name(), now);
            w.end();
        }
        w.endArray();
        w.beginArray("trust_stores");
        for (Map.Entry<String, TrustStore> e : s.trustStores().entrySet()) {
            w.begin().field("name", e.getKey());
            certificates(w, certificates, "trust_store", e.getKey(), now);
            w.beginArray("crls");
            for (TrustStore.RevocationList crl : e.getValue().revocationLists()) {
                w.begin().field("issuer", crl.issuer()).field("source", crl.source())
                        .field("this_update", crl.thisUpdate() == null ? null : crl.thisUpdate().toString())
                        .field("next_update", crl.nextUpdate() == null ? null : crl.nextUpdate().toString())
                        .field("stale", crl.isStaleAt(now))
                        .field("overdue_seconds", crl.isStaleAt(now) ? crl.overdueAt(now).getSeconds() : 0).end();
            }
            w.endArray().end();
        }
        w.endArray();
        w.beginArray("target_groups");
        for (TargetGroup g : s.targetGroups().all().values()) {
            w.begin().field("name", g.name());
            certificates(w, certificates, "target_group", g.name(), now);
            w.beginArray("targets");
            for (Target t : g.targets()) {
                w.begin().field("address", t.address().toString()).field("healthy", t.healthy());
                Target.LastCheck check = t.lastCheck();
                if (check != null) {
                    w.begin("last_check").field("success", check.success()).field("detail", check.detail())
                            .field("at", check.at().toString()).end();
                }
                w.end();
            }
            w.endArray().end();
        }
        w.endArray();
        w.field("rejections_total", gateway.telemetry().rejections().total());
        return w.end().toString();
    }

    private static void certificates(JsonWriter w, List<Certificates> all, String source, String name, Instant now) {
        w.beginArray("certificates");
        for (Certificates c : all) {
            if (c.source().equals(source) && c.name().equals(name)) {
                Instant notAfter = c.certificate().getNotAfter().toInstant();
                w.begin().field("subject", c.subject()).field("serial", c.serial())
                        .field("not_after", notAfter.toString())
                        .field("seconds_left", notAfter.getEpochSecond() - now.getEpochSecond()).end();
            }
        }
        w.endArray();
    }

    /** The newest {@code limit} rejections, newest first. */
    static String rejections(Rejections rejections, int limit) {
        JsonWriter w = new JsonWriter().begin().field("total", rejections.total()).beginArray("rejections");
        for (Rejections.Rejection r : rejections.latest(limit)) {
            StringBuilder sb = new StringBuilder(512);
            r.appendJson(sb);
            w.raw(sb.toString());
        }
        return w.endArray().end().toString();
    }

    /** The answer to a reload: the generation serving, and the error of a failed one. */
    static String reload(ReloadResult r) {
        return new JsonWriter().begin().field("success", r.success()).field("generation", r.generation())
                .field("error", r.error()).end().toString();
    }
}
