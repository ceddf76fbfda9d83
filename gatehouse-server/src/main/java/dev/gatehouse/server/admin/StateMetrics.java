package dev.gatehouse.server.admin;

import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.RuntimeState;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetGroup;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The metrics about state rather than events: computed when Prometheus scrapes, from the runtime state
 * serving at that moment (so a reload is reflected at the next scrape, and nothing is kept in step by hand):
 * target health, certificate expiry, CRL freshness, reload outcomes, the verdict cache's lookups.
 */
final class StateMetrics {
    private StateMetrics() {}

    /** Registers them; they report nothing until {@code gateway} returns one. */
    static void register(PrometheusRegistry registry, Supplier<Gateway> gateway) {
        GaugeWithCallback.builder().name("gatehouse_target_healthy")
                .help("1 if the target passes its group's health checks (or the group has none), else 0")
                .labelNames("target_group", "target")
                .callback(cb -> {
                    RuntimeState s = state(gateway);
                    if (s == null) {
                        return;
                    }
                    for (TargetGroup g : s.targetGroups().all().values()) {
                        for (Target t : g.targets()) {
                            cb.call(t.healthy() ? 1 : 0, g.name(), t.address().toString());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("gatehouse_certificate_not_after_seconds")
                .help("When a certificate expires (Unix time): listener certificates, trust anchors, target-group"
                        + " client certificates")
                .labelNames("source", "name", "subject", "serial")
                .callback(cb -> {
                    RuntimeState s = state(gateway);
                    if (s == null) {
                        return;
                    }
                    Set<String> seen = new HashSet<>();
                    for (Certificates c : Certificates.of(s)) {
                        if (seen.add(c.source() + '\n' + c.name() + '\n' + c.subject() + '\n' + c.serial())) {
                            cb.call(c.notAfterEpochSecond(), c.source(), c.name(), c.subject(), c.serial());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("gatehouse_crl_next_update_seconds")
                .help("When a CRL of a trust store is due to be replaced (its nextUpdate, Unix time); past it, the"
                        + " CRL is stale but still used")
                .labelNames("trust_store", "issuer")
                .callback(cb -> {
                    RuntimeState s = state(gateway);
                    if (s == null) {
                        return;
                    }
                    Set<String> seen = new HashSet<>();
                    for (Map.Entry<String, TrustStore> e : s.trustStores().entrySet()) {
                        for (TrustStore.RevocationList crl : e.getValue().revocationLists()) {
                            if (crl.nextUpdate() != null && seen.add(e.getKey() + '\n' + crl.issuer())) {
                                cb.call(crl.nextUpdate().getEpochSecond(), e.getKey(), crl.issuer());
                            }
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("gatehouse_config_reloads_total")
                .help("Configuration reloads since start, by result (success, failure)")
                .labelNames("result")
                .callback(cb -> {
                    Gateway g = gateway.get();
                    cb.call(g == null ? 0 : g.reloadHistory().count(true), "success");
                    cb.call(g == null ? 0 : g.reloadHistory().count(false), "failure");
                }).register(registry);
        GaugeWithCallback.builder().name("gatehouse_config_last_reload_success_timestamp_seconds")
                .help("When a configuration last loaded successfully (Unix time; the start counts)")
                .callback(cb -> {
                    Gateway g = gateway.get();
                    Instant at = g == null ? null : g.reloadHistory().lastSuccess();
                    if (at != null) {
                        cb.call(at.toEpochMilli() / 1000.0);
                    }
                }).register(registry);
        CounterWithCallback.builder().name("gatehouse_verdict_cache_lookups_total")
                .help("Lookups of the certificate verdict cache, by result (hit, miss)")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(RuntimeState.verdictCacheLookups(true), "hit");
                    cb.call(RuntimeState.verdictCacheLookups(false), "miss");
                }).register(registry);
    }

    private static RuntimeState state(Supplier<Gateway> gateway) {
        Gateway g = gateway.get();
        return g == null ? null : g.state();
    }
}
