package dev.gatehouse.pki;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The verifier's judgement of one presented chain: {@code Success} or a {@link FailureCode}, a human
 * explanation naming the certificate (subject, serial) and the failed check, every step with its
 * outcome, and the validated (or best attempted) path from leaf to anchor.
 *
 * <p>Immutable and thread-safe; verdicts are shared through the verdict cache.
 */
public final class Verdict {
    /**
     * Outcome of one step. {@link #NOT_CHECKED} is a step that ran but had nothing to check against (no
     * CRL for the issuers in the path): it does not fail the verdict, and it is not a pass either.
     */
    public enum Outcome {
        PASS, FAIL, SKIPPED, NOT_CHECKED;

        /** How {@code gatehouse verify} prints it: {@code pass}, {@code fail}, {@code skipped}, {@code not checked}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /** One check: its name (e.g. {@code validity}), outcome and a one-line detail. */
    public record Step(String name, Outcome outcome, String detail) {
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }

        public boolean passed() {
            return outcome == Outcome.PASS;
        }
    }

    private final FailureCode failure;
    private final String explanation;
    private final List<Step> steps;
    private final List<X509Certificate> path;
    private final boolean timeSensitive;
    private final List<String> warnings;
    /** The success's client identity, made on first use (a benign race: every thread computes the same). */
    private volatile ClientIdentity identity;

    private Verdict(FailureCode failure, String explanation, List<Step> steps, List<X509Certificate> path,
            boolean timeSensitive, List<String> warnings) {
        this.failure = failure;
        this.explanation = Objects.requireNonNull(explanation, "explanation");
        this.steps = List.copyOf(steps);
        this.path = List.copyOf(path);
        this.timeSensitive = timeSensitive;
        this.warnings = List.copyOf(warnings);
    }

    public static Verdict success(String explanation, List<Step> steps, List<X509Certificate> path, List<String> warnings) {
        return new Verdict(null, explanation, steps, path, false, warnings);
    }

    public static Verdict failure(FailureCode code, String explanation, List<Step> steps, List<X509Certificate> path) {
        return new Verdict(Objects.requireNonNull(code, "code"), explanation, steps, path, code.timeDependent(), List.of());
    }

    /** A copy whose caching must re-check time (a time-dependent check decided the outcome somewhere). */
    Verdict withTimeSensitive(boolean sensitive) {
        return sensitive == timeSensitive ? this : new Verdict(failure, explanation, steps, path, sensitive, warnings);
    }

    /**
     * A copy fit to be kept in the verdict cache for long: the leaf kept as its encoding and validity only
     * ({@link DerCertificate}), each CA certificate of the path replaced by {@code shared}'s instance of it
     * (one per CA for every client it issued), and a success's identity derived now from the parsed leaf.
     * A parsed leaf costs several kilobytes of live objects, and the cache holds one per client seen.
     * A success keeps no steps: none of them failed, and its explanation says what was verified.
     * They were a third of a cached success's bytes and half its objects, each copied by the collector
     * while a wave of new devices ages; {@code gatehouse verify}, which prints them, does not cache.
     */
    Verdict compact(java.util.function.UnaryOperator<X509Certificate> shared) {
        if (path.isEmpty()) {
            return this;
        }
        java.util.ArrayList<X509Certificate> kept = new java.util.ArrayList<>(path.size());
        kept.add(DerCertificate.of(path.get(0)));
        for (int i = 1; i < path.size(); i++) {
            kept.add(shared.apply(path.get(i)));
        }
        Verdict v = new Verdict(failure, explanation, isSuccess() ? List.of() : steps, kept, timeSensitive, warnings);
        if (isSuccess()) {
            v.identity = identity().withChain(v.path);
        }
        return v;
    }

    public boolean isSuccess() {
        return failure == null;
    }

    /**
     * The verified client's identity (names, serial, validity of the path's leaf), computed once per
     * verdict: through the verdict cache every connection of a returning client shares one instance, so
     * a handshake does not re-derive names from the certificate.
     *
     * @throws IllegalStateException if this verdict is a failure
     */
    public ClientIdentity identity() {
        ClientIdentity id = identity;
        if (id == null) {
            if (!isSuccess()) {
                throw new IllegalStateException("a failed verdict has no verified identity (" + status() + ")");
            }
            id = ClientIdentity.of(path, true);
            identity = id;
        }
        return id;
    }

    /** Empty on success. */
    public Optional<FailureCode> failureCode() {
        return Optional.ofNullable(failure);
    }

    /** {@code Success} or the code's log name, e.g. {@code ClientCertExpired}. */
    public String status() {
        return failure == null ? "Success" : failure.logName();
    }

    public String explanation() {
        return explanation;
    }

    /** Every step with its outcome; empty for a success that came from the verdict cache ({@link #compact}). */
    public List<Step> steps() {
        return steps;
    }

    /** Leaf first, anchor last; on failure, the best attempted path (may be empty or partial). */
    public List<X509Certificate> path() {
        return path;
    }

    /** Non-fatal observations, e.g. a CRL past its nextUpdate that was still used. */
    public List<String> warnings() {
        return warnings;
    }

    /** Whether the outcome depended on the time of verification in a way a cache cannot re-check. */
    public boolean timeSensitive() {
        return timeSensitive;
    }

    @Override
    public String toString() {
        return status() + ": " + explanation;
    }
}
