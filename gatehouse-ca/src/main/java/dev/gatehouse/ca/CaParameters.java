package dev.gatehouse.ca;

import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * How to make a CA: its subject, key type and validity. Immutable.
 *
 * <p>Defaults: subject {@code CN=Gatehouse Root CA} / {@code CN=Gatehouse Intermediate CA}, key
 * {@link KeySpec#EC_P256}, validity {@value #DEFAULT_ROOT_DAYS} days for a root and
 * {@value #DEFAULT_INTERMEDIATE_DAYS} for an intermediate.
 */
public final class CaParameters {
    public static final int DEFAULT_ROOT_DAYS = 3650;
    public static final int DEFAULT_INTERMEDIATE_DAYS = 1825;

    private final X500Principal subject;
    private final KeySpec keySpec;
    private final int days;

    private CaParameters(X500Principal subject, KeySpec keySpec, int days) {
        this.subject = Objects.requireNonNull(subject, "subject");
        this.keySpec = Objects.requireNonNull(keySpec, "keySpec");
        if (days <= 0) {
            throw new IllegalArgumentException("days: " + days + " (expected: > 0)");
        }
        this.days = days;
    }

    /** A root CA named {@code CN=Gatehouse Root CA}, EC P-256, {@value #DEFAULT_ROOT_DAYS} days. */
    public static CaParameters root() {
        return new CaParameters(Names.commonName("Gatehouse Root CA"), KeySpec.DEFAULT, DEFAULT_ROOT_DAYS);
    }

    /** An intermediate named {@code CN=Gatehouse Intermediate CA}, EC P-256, {@value #DEFAULT_INTERMEDIATE_DAYS} days. */
    public static CaParameters intermediate() {
        return new CaParameters(Names.commonName("Gatehouse Intermediate CA"), KeySpec.DEFAULT, DEFAULT_INTERMEDIATE_DAYS);
    }

    public CaParameters withCommonName(String commonName) {
        return new CaParameters(Names.commonName(commonName), keySpec, days);
    }

    /** The subject as an RFC 4514 string, most specific first: {@code CN=Acme Root,O=Acme}. */
    public CaParameters withSubject(String distinguishedName) {
        return new CaParameters(Names.distinguishedName(distinguishedName), keySpec, days);
    }

    public CaParameters withSubject(X500Principal subject) {
        return new CaParameters(subject, keySpec, days);
    }

    public CaParameters withKeySpec(KeySpec keySpec) {
        return new CaParameters(subject, keySpec, days);
    }

    public CaParameters withDays(int days) {
        return new CaParameters(subject, keySpec, days);
    }

    public X500Principal subject() {
        return subject;
    }

    public KeySpec keySpec() {
        return keySpec;
    }

    public int days() {
        return days;
    }
}
