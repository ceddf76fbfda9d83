package dev.gatehouse.server.config;

import dev.gatehouse.pki.TrustStoreLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads one entry of {@code trust_stores} into a {@link TrustStoreConfig}. */
final class TrustStoreParser {
    static final int MIN_CHAIN_DEPTH = 2;
    static final int MAX_CHAIN_DEPTH = 10;

    private TrustStoreParser() {}

    static TrustStoreConfig parse(String name, ConfigNode node, Path baseDir) throws ConfigException {
        ConfigMapping map = node.mapping("a trust store (a mapping with ca_certificates)",
                "ca_certificates", "revocation_lists", "max_chain_depth", "max_ca_certificates", "max_revocation_entries");
        ConfigNode ca = map.required("ca_certificates", "a PEM bundle of CA certificates");
        Path caCertificates = ca.readableFile(baseDir);

        List<Path> crls = new ArrayList<>();
        List<ConfigLocation> crlsAt = new ArrayList<>();
        ConfigNode crlNode = map.optional("revocation_lists");
        if (crlNode != null) {
            List<ConfigNode> items = crlNode.isScalar() ? List.of(crlNode) : crlNode.list("a list of CRL files");
            for (ConfigNode item : items) {
                crls.add(item.readableFile(baseDir));
                crlsAt.add(item.at());
            }
        }

        int maxChainDepth = TrustStoreLimits.DEFAULTS.maxChainDepth();
        ConfigNode depth = map.optional("max_chain_depth");
        if (depth != null) {
            maxChainDepth = depth.intValue(MIN_CHAIN_DEPTH, MAX_CHAIN_DEPTH);
        }
        int maxCas = TrustStoreLimits.DEFAULTS.maxCaCertificates();
        ConfigNode cas = map.optional("max_ca_certificates");
        if (cas != null) {
            maxCas = cas.intValue(1, 1_000_000);
        }
        long maxEntries = TrustStoreLimits.DEFAULTS.maxRevocationEntries();
        ConfigNode entries = map.optional("max_revocation_entries");
        if (entries != null) {
            maxEntries = entries.integer(1, 1_000_000_000);
        }
        return new TrustStoreConfig(name, caCertificates, crls, maxChainDepth, maxCas, maxEntries,
                ca.at(), crlsAt, node.at());
    }
}
