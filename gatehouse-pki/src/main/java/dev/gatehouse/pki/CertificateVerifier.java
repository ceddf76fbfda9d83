package dev.gatehouse.pki;

import dev.gatehouse.pki.Verdict.Outcome;
import dev.gatehouse.pki.Verdict.Step;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Judges a presented certificate chain against a {@link TrustStore}: the one verifier behind the
 * gateway's handshake and {@code gatehouse verify}.
 *
 * <h2>Path building</h2>
 * The first presented certificate is the leaf; the others (and any extra intermediates) form an
 * unordered pool, so out-of-order and superfluous certificates are tolerated. Candidate paths are
 * built by name chaining from the leaf to an anchor, depth first, anchors preferred, within a budget
 * ({@value #MAX_NODES} search steps, {@value #MAX_PATHS} complete paths). Each complete path is checked
 * by {@link PathChecks}; the first that passes wins.
 *
 * <h2>Which failure is reported</h2>
 * When no path passes: the failure of the path that got furthest through the checks, among paths
 * within the depth limit; {@code ClientCertMaxChainDepthExceeded} only when every path found is too
 * long; {@code ClientCertUntrusted} when no path reaches an anchor.
 *
 * <h2>Limits</h2>
 * More than {@value #MAX_PRESENTED} presented certificates, more than 64 KiB in all or one over 16 KiB:
 * {@code ClientCertMaxSizeExceeded}, before anything is parsed or verified.
 *
 * <p>Thread-safe; signature results are shared through a {@link SignatureCache}.
 */
public final class CertificateVerifier {
    static final int MAX_PRESENTED = 10;
    static final int MAX_CHAIN_BYTES = 64 * 1024;
    static final int MAX_CERT_BYTES = 16 * 1024;
    static final int MAX_NODES = 256;
    static final int MAX_PATHS = 16;
    /** Paths are searched up to this length, so that a too-long path can be told from no path. */
    private static final int SEARCH_DEPTH_SLACK = 4;

    private final SignatureCache signatures;

    /** A verifier sharing the process-wide {@link SignatureCache#SHARED}. */
    public CertificateVerifier() {
        this(SignatureCache.SHARED);
    }

    public CertificateVerifier(SignatureCache signatures) {
        this.signatures = signatures;
    }

    /** Verifies {@code presented} (leaf first, then any intermediates in any order). */
    public Verdict verify(TrustStore store, List<X509Certificate> presented, VerificationParameters params) {
        return verify(store, presented, List.of(), params);
    }

    /**
     * Verifies {@code presented} with {@code extraIntermediates} (e.g. {@code --intermediates}) as further
     * path-building candidates; the size limits apply to {@code presented} only.
     */
    public Verdict verify(TrustStore store, List<X509Certificate> presented, List<X509Certificate> extraIntermediates,
            VerificationParameters params) {
        if (presented.isEmpty()) {
            return Verdict.failure(FailureCode.CLIENT_CERT_MISSING, "no certificate presented",
                    List.of(new Step("parse", Outcome.FAIL, "no certificate presented")), List.of());
        }
        int total = 0;
        for (X509Certificate c : presented) {
            total += TrustStore.encoded(c).length;
        }
        String sizeProblem = sizeProblem(presented.size(), total, presented.stream()
                .mapToInt(c -> TrustStore.encoded(c).length).max().orElse(0));
        if (sizeProblem != null) {
            return sizeFailure(sizeProblem);
        }
        Instant now = params.time() != null ? params.time() : Instant.now();
        int maxDepth = params.maxChainDepth() != null ? params.maxChainDepth() : store.limits().maxChainDepth();
        Step parse = new Step("parse", Outcome.PASS, presented.size() + " certificate" + (presented.size() == 1 ? "" : "s")
                + " presented (" + total + " bytes); leaf " + PathChecks.describe(presented.get(0)));
        List<X509Certificate> pool = new ArrayList<>();
        Set<TrustStore.ByteKey> seen = new HashSet<>();
        X509Certificate leaf = presented.get(0);
        seen.add(TrustStore.ByteKey.of(leaf));
        for (List<X509Certificate> source : List.of(presented.subList(1, presented.size()), extraIntermediates)) {
            for (X509Certificate c : source) {
                if (seen.add(TrustStore.ByteKey.of(c)) && !store.isAnchor(c)) {
                    pool.add(c);
                }
            }
        }
        PathChecks checks = new PathChecks(store, params, signatures, now, maxDepth);
        Search search = new Search(store, pool, maxDepth + SEARCH_DEPTH_SLACK);
        List<X509Certificate> start = new ArrayList<>();
        start.add(leaf);
        search.dfs(start);

        PathChecks.Result best = null;
        boolean timeFailure = false;
        int evaluated = 0;
        for (List<X509Certificate> path : search.paths) {
            PathChecks.Result r = checks.check(path, List.of(parse));
            evaluated++;
            timeFailure |= r.timeFailure();
            if (r.code() == null) {
                return Verdict.success(r.explanation(), r.steps(), r.path(), concat(store.warnings(), r.warnings()));
            }
            if (best == null || better(r, best)) {
                best = r;
            }
        }
        if (best == null) {
            String why = search.exhausted
                    ? "path building gave up after " + MAX_NODES + " steps without reaching an anchor"
                    : "no path from " + PathChecks.describe(leaf) + " to an anchor of " + store.source()
                            + ": issuer " + search.missingIssuer + " is neither an anchor nor among the presented certificates";
            List<Step> steps = new ArrayList<>();
            steps.add(parse);
            steps.add(new Step(PathChecks.STEP_NAMES[PathChecks.CHAIN], Outcome.FAIL, why));
            for (int s = PathChecks.CHAIN + 1; s < PathChecks.STEP_NAMES.length; s++) {
                steps.add(new Step(PathChecks.STEP_NAMES[s], Outcome.SKIPPED, "not checked: no path"));
            }
            return Verdict.failure(FailureCode.CLIENT_CERT_UNTRUSTED, why, steps, List.of(leaf));
        }
        String explanation = best.explanation() + (evaluated > 1 ? " (best of " + evaluated + " candidate paths)" : "");
        return Verdict.failure(best.code(), explanation, best.steps(), best.path()).withTimeSensitive(timeFailure);
    }

    /** A path within the depth limit beats one beyond it; then the one that got further. */
    private static boolean better(PathChecks.Result a, PathChecks.Result b) {
        boolean aDepth = a.code() == FailureCode.CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED;
        boolean bDepth = b.code() == FailureCode.CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED;
        if (aDepth != bDepth) {
            return bDepth;
        }
        return a.stage() > b.stage();
    }

    static String sizeProblem(int count, int totalBytes, int largestBytes) {
        if (count > MAX_PRESENTED) {
            return count + " certificates presented (expected: at most " + MAX_PRESENTED + ")";
        }
        if (totalBytes > MAX_CHAIN_BYTES) {
            return "chain of " + totalBytes + " bytes presented (expected: at most " + MAX_CHAIN_BYTES + ")";
        }
        if (largestBytes > MAX_CERT_BYTES) {
            return "a certificate of " + largestBytes + " bytes presented (expected: at most " + MAX_CERT_BYTES + ")";
        }
        return null;
    }

    static Verdict sizeFailure(String why) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("parse", Outcome.FAIL, why));
        for (int s = PathChecks.CHAIN; s < PathChecks.STEP_NAMES.length; s++) {
            steps.add(new Step(PathChecks.STEP_NAMES[s], Outcome.SKIPPED, "not checked: size limits exceeded"));
        }
        return Verdict.failure(FailureCode.CLIENT_CERT_MAX_SIZE_EXCEEDED, why, steps, List.of());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Depth-first enumeration of candidate paths by name chaining, within a budget. */
    private static final class Search {
        final TrustStore store;
        final List<X509Certificate> pool;
        final int maxLength;
        final List<List<X509Certificate>> paths = new ArrayList<>();
        int nodes;
        boolean exhausted;
        String missingIssuer;

        Search(TrustStore store, List<X509Certificate> pool, int maxLength) {
            this.store = store;
            this.pool = pool;
            this.maxLength = maxLength;
        }

        void dfs(List<X509Certificate> path) {
            if (paths.size() >= MAX_PATHS) {
                return;
            }
            if (++nodes > MAX_NODES) {
                exhausted = true;
                return;
            }
            X509Certificate cur = path.get(path.size() - 1);
            if (path.size() == 1 && store.isAnchor(cur)) {
                paths.add(List.copyOf(path)); // the leaf itself is trusted (pinned, or a CA presented as leaf)
            }
            List<X509Certificate> anchors = store.anchorsNamed(cur.getIssuerX500Principal());
            for (X509Certificate a : anchors) {
                if (path.contains(a)) {
                    continue;
                }
                List<X509Certificate> p = new ArrayList<>(path);
                p.add(a);
                paths.add(List.copyOf(p));
                if (paths.size() >= MAX_PATHS) {
                    return;
                }
            }
            if (path.size() >= maxLength) {
                return;
            }
            boolean any = !anchors.isEmpty();
            for (X509Certificate c : pool) {
                if (!c.getSubjectX500Principal().equals(cur.getIssuerX500Principal()) || containsKey(path, c)) {
                    continue;
                }
                any = true;
                path.add(c);
                dfs(path);
                path.remove(path.size() - 1);
                if (exhausted || paths.size() >= MAX_PATHS) {
                    return;
                }
            }
            if (!any && missingIssuer == null) {
                missingIssuer = CertificateNames.distinguishedName(cur.getIssuerX500Principal());
            }
        }

        /** A certificate with the same subject and key as one already in the path would loop. */
        private static boolean containsKey(List<X509Certificate> path, X509Certificate c) {
            for (X509Certificate p : path) {
                if (p.getSubjectX500Principal().equals(c.getSubjectX500Principal())
                        && p.getPublicKey().equals(c.getPublicKey())) {
                    return true;
                }
            }
            return false;
        }
    }
}
