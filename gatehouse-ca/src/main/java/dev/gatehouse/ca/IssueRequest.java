package dev.gatehouse.ca;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.util.IPAddress;

/**
 * What to issue: a profile, a subject, subject alternative names, a validity and a key type.
 * Immutable; made by {@link #builder(IssuanceProfile)}.
 *
 * <pre>{@code
 * IssueRequest r = IssueRequest.builder(IssuanceProfile.SERVER)
 *         .commonName("api.example.com")
 *         .subjectAltName(SubjectAltName.parse("IP:10.0.0.7"))
 *         .build();   // SANs: IP:10.0.0.7, DNS:api.example.com
 * }</pre>
 */
public final class IssueRequest {
    /** Leaf validity unless {@link Builder#days(int)} says otherwise. */
    public static final int DEFAULT_DAYS = 365;

    private final IssuanceProfile profile;
    private final X500Principal subject;
    private final List<SubjectAltName> subjectAltNames;
    private final int days;
    private final KeySpec keySpec;

    private IssueRequest(Builder b, List<SubjectAltName> sans) {
        this.profile = b.profile;
        this.subject = b.subject;
        this.subjectAltNames = Collections.unmodifiableList(sans);
        this.days = b.days;
        this.keySpec = b.keySpec;
    }

    public static Builder builder(IssuanceProfile profile) {
        return new Builder(profile);
    }

    public IssuanceProfile profile() {
        return profile;
    }

    public X500Principal subject() {
        return subject;
    }

    /** The names the certificate will carry: the ones given, then (server) the common name if it was added. */
    public List<SubjectAltName> subjectAltNames() {
        return subjectAltNames;
    }

    public int days() {
        return days;
    }

    public KeySpec keySpec() {
        return keySpec;
    }

    /** The subject's common name, if it has one. */
    public Optional<String> commonName() {
        return Names.commonNameOf(subject);
    }

    /** Builds an {@link IssueRequest}. Not thread-safe. */
    public static final class Builder {
        private final IssuanceProfile profile;
        private X500Principal subject;
        private final List<SubjectAltName> sans = new ArrayList<>();
        private int days = DEFAULT_DAYS;
        private KeySpec keySpec = KeySpec.DEFAULT;

        private Builder(IssuanceProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
        }

        /** The subject {@code CN=commonName}. Replaces any subject set before. */
        public Builder commonName(String commonName) {
            this.subject = Names.commonName(commonName);
            return this;
        }

        /** The subject as an RFC 4514 string, most specific first: {@code CN=api,O=Acme}. */
        public Builder subject(String distinguishedName) {
            this.subject = Names.distinguishedName(distinguishedName);
            return this;
        }

        public Builder subject(X500Principal subject) {
            this.subject = Objects.requireNonNull(subject, "subject");
            return this;
        }

        public Builder subjectAltName(SubjectAltName san) {
            sans.add(Objects.requireNonNull(san, "san"));
            return this;
        }

        public Builder subjectAltNames(List<SubjectAltName> names) {
            names.forEach(this::subjectAltName);
            return this;
        }

        /** Validity in days from now; default {@value IssueRequest#DEFAULT_DAYS}. */
        public Builder days(int days) {
            if (days <= 0) {
                throw new IllegalArgumentException("days: " + days + " (expected: > 0)");
            }
            this.days = days;
            return this;
        }

        /** The key type of the new key pair; default {@link KeySpec#EC_P256}. */
        public Builder keySpec(KeySpec keySpec) {
            this.keySpec = Objects.requireNonNull(keySpec, "keySpec");
            return this;
        }

        /**
         * @throws IllegalArgumentException when there is no subject, or a server certificate would have
         *     no DNS or IP name
         */
        public IssueRequest build() {
            if (subject == null) {
                throw new IllegalArgumentException("a subject is required (expected: a common name or a distinguished name)");
            }
            Set<SubjectAltName> names = new LinkedHashSet<>(sans);
            if (profile == IssuanceProfile.SERVER) {
                Names.commonNameOf(subject).flatMap(Builder::asHostOrAddress).ifPresent(names::add);
                boolean hasHost = names.stream().anyMatch(
                        n -> n.type() == SubjectAltName.Type.DNS || n.type() == SubjectAltName.Type.IP);
                if (!hasHost) {
                    throw new IllegalArgumentException("a server certificate needs at least one DNS or IP name"
                            + " (expected: a --san DNS:name or IP:address, or a common name that is a host name)");
                }
            }
            return new IssueRequest(this, new ArrayList<>(names));
        }

        private static Optional<SubjectAltName> asHostOrAddress(String cn) {
            if (IPAddress.isValid(cn)) {
                return Optional.of(SubjectAltName.ip(cn));
            }
            if (SubjectAltName.isHostName(cn)) {
                return Optional.of(SubjectAltName.dns(cn));
            }
            return Optional.empty();
        }
    }
}
