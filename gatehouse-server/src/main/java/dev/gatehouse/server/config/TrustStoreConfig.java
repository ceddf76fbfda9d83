package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One entry of {@code trust_stores}.
 *
 * @param name              its key
 * @param caCertificates    {@code ca_certificates}: PEM bundle; every certificate is an anchor
 * @param revocationLists   {@code revocation_lists}: PEM or DER CRLs (default none)
 * @param maxChainDepth     {@code max_chain_depth}: certificates in the path, leaf and anchor included (default 4)
 * @param maxCaCertificates {@code max_ca_certificates} (default 25)
 * @param maxRevocationEntries {@code max_revocation_entries} (default 500,000)
 * @param caCertificatesAt  where {@code ca_certificates} is
 * @param revocationListsAt where each CRL path is
 * @param at                where the trust store is defined
 */
public record TrustStoreConfig(
        String name,
        Path caCertificates,
        List<Path> revocationLists,
        int maxChainDepth,
        int maxCaCertificates,
        long maxRevocationEntries,
        ConfigLocation caCertificatesAt,
        List<ConfigLocation> revocationListsAt,
        ConfigLocation at) {

    public TrustStoreConfig {
        revocationLists = List.copyOf(revocationLists);
        revocationListsAt = List.copyOf(revocationListsAt);
    }
}
