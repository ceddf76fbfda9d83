package dev.gatehouse.server.config;

/** The identity headers Gatehouse sends to targets, with their default names and config keys. */
public enum IdentityHeader {
    /** Passthrough: URL-encoded PEM of the whole presented chain. */
    CLIENTCERT("X-Amzn-Mtls-Clientcert"),
    /** Verify: leaf serial, upper-case hex. */
    SERIAL_NUMBER("X-Amzn-Mtls-Clientcert-Serial-Number"),
    /** Verify: issuer DN, RFC 2253. */
    ISSUER("X-Amzn-Mtls-Clientcert-Issuer"),
    /** Verify: subject DN, RFC 2253. */
    SUBJECT("X-Amzn-Mtls-Clientcert-Subject"),
    /** Verify: {@code NotBefore=...;NotAfter=...}. */
    VALIDITY("X-Amzn-Mtls-Clientcert-Validity"),
    /** Verify: URL-encoded PEM of the leaf. */
    LEAF("X-Amzn-Mtls-Clientcert-Leaf");

    private final String defaultName;

    IdentityHeader(String defaultName) {
        this.defaultName = defaultName;
    }

    public String defaultName() {
        return defaultName;
    }

    /** The key under {@code header_names}: the default name in snake_case. */
    public String configKey() {
        return defaultName.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
