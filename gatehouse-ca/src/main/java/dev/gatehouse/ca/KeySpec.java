package dev.gatehouse.ca;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Key;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The type and size of a key the CA generates: EC on P-256 (the default) or P-384, or RSA of 2048,
 * 3072 or 4096 bits.
 *
 * <p>A certificate's signature algorithm follows from the <em>issuer's</em> key (see
 * {@link #signatureAlgorithm(Key)}): SHA256withECDSA for P-256, SHA384withECDSA for P-384,
 * SHA256withRSA for RSA.
 */
public enum KeySpec {
    EC_P256("ec-p256"),
    EC_P384("ec-p384"),
    RSA_2048("rsa-2048"),
    RSA_3072("rsa-3072"),
    RSA_4096("rsa-4096");

    /** The default for every key the CA makes. */
    public static final KeySpec DEFAULT = EC_P256;

    private final String cliName;

    KeySpec(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line, e.g. {@code ec-p256}, {@code rsa-3072}. */
    public String cliName() {
        return cliName;
    }

    /**
     * Parses a command-line name ({@code ec-p256}, {@code ec-p384}, {@code rsa-2048}, {@code rsa-3072},
     * {@code rsa-4096}), case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static KeySpec fromCliName(String name) {
        for (KeySpec k : values()) {
            if (k.cliName.equalsIgnoreCase(name.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("key type '" + name + "' (expected: " + names() + ")");
    }

    /** The accepted command-line names, separated by {@code ", "}. */
    public static String names() {
        return Arrays.stream(values()).map(KeySpec::cliName).collect(Collectors.joining(", "));
    }

    /** Generates a new key pair of this type. */
    public KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator g;
            switch (this) {
                case EC_P256:
                case EC_P384:
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec(this == EC_P256 ? "secp256r1" : "secp384r1"), random);
                    break;
                default:
                    g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(rsaBits(), random);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + cliName + " keys", e);
        }
    }

    private int rsaBits() {
        switch (this) {
            case RSA_2048: return 2048;
            case RSA_3072: return 3072;
            case RSA_4096: return 4096;
            default: throw new IllegalStateException(name());
        }
    }

    /**
     * The signature algorithm a CA holding {@code signingKey} signs with: SHA256withECDSA (P-256),
     * SHA384withECDSA (P-384 or larger), SHA256withRSA (RSA).
     */
    static String signatureAlgorithm(Key signingKey) {
        if (signingKey instanceof RSAKey) {
            return "SHA256withRSA";
        }
        if (signingKey instanceof ECKey) {
            int bits = ((ECKey) signingKey).getParams().getCurve().getField().getFieldSize();
            return bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        throw new IllegalArgumentException("unsupported CA key algorithm " + signingKey.getAlgorithm()
                + " (expected: EC or RSA)");
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }
}
