package dev.gatehouse.ca;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * One certificate the CA issued, as its index records it: serial, subject, not-after and, once
 * revoked, when and why. Immutable.
 */
public final class IndexEntry {
    /** What {@code ca list} shows. Expired is computed from not-after; revoked wins over expired. */
    public enum Status {
        VALID, REVOKED, EXPIRED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final BigInteger serial;
    private final Instant notAfter;
    private final X500Principal subject;
    private final Instant revokedAt;
    private final RevocationReason reason;

    IndexEntry(BigInteger serial, Instant notAfter, X500Principal subject, Instant revokedAt, RevocationReason reason) {
        this.serial = Objects.requireNonNull(serial, "serial");
        this.notAfter = Objects.requireNonNull(notAfter, "notAfter");
        this.subject = Objects.requireNonNull(subject, "subject");
        if ((revokedAt == null) != (reason == null)) {
            throw new IllegalArgumentException("revokedAt and reason go together");
        }
        this.revokedAt = revokedAt;
        this.reason = reason;
    }

    IndexEntry revoked(Instant at, RevocationReason why) {
        return new IndexEntry(serial, notAfter, subject, at, why);
    }

    public BigInteger serial() {
        return serial;
    }

    public Instant notAfter() {
        return notAfter;
    }

    public X500Principal subject() {
        return subject;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** When it was revoked; empty while it is not. */
    public Optional<Instant> revokedAt() {
        return Optional.ofNullable(revokedAt);
    }

    /** Why it was revoked; empty while it is not. */
    public Optional<RevocationReason> reason() {
        return Optional.ofNullable(reason);
    }

    /** Revoked if revoked, else expired if {@code now} is after not-after, else valid. */
    public Status status(Instant now) {
        if (isRevoked()) {
            return Status.REVOKED;
        }
        return now.isAfter(notAfter) ? Status.EXPIRED : Status.VALID;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof IndexEntry)) {
            return false;
        }
        IndexEntry e = (IndexEntry) o;
        return serial.equals(e.serial) && notAfter.equals(e.notAfter) && subject.equals(e.subject)
                && Objects.equals(revokedAt, e.revokedAt) && reason == e.reason;
    }

    @Override
    public int hashCode() {
        return serial.hashCode();
    }

    @Override
    public String toString() {
        return "IndexEntry{serial=" + serial.toString(16) + ", subject=" + subject.getName()
                + ", notAfter=" + notAfter + (isRevoked() ? ", revoked " + revokedAt + " (" + reason + ")" : "") + "}";
    }
}
