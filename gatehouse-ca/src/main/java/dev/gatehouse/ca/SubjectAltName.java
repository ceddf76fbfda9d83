package dev.gatehouse.ca;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.util.IPAddress;

/**
 * One subject alternative name: a DNS name, an IP address, a URI or an e-mail address.
 *
 * <p>Written as on the command line: {@code DNS:api.example.com}, {@code IP:10.0.0.1},
 * {@code IP:::1}, {@code URI:spiffe://example.org/ns/prod/sa/api}, {@code email:ops@example.com}.
 * The prefix is case-insensitive. Immutable.
 */
public final class SubjectAltName {
    /** The kind of name, with its command-line prefix. */
    public enum Type {
        DNS("DNS"), IP("IP"), URI("URI"), EMAIL("email");

        private final String prefix;

        Type(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    /** A host name: labels of letters, digits and hyphens; a leading {@code *.} wildcard allowed. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

    private final Type type;
    private final String value;

    private SubjectAltName(Type type, String value) {
        this.type = type;
        this.value = value;
    }

    public static SubjectAltName dns(String name) {
        if (!isHostName(name)) {
            throw new IllegalArgumentException("'DNS:" + name + "': not a host name");
        }
        return new SubjectAltName(Type.DNS, name);
    }

    public static SubjectAltName ip(String address) {
        String a = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        if (!IPAddress.isValid(a)) {
            throw new IllegalArgumentException("'IP:" + address + "': not an IPv4 or IPv6 address");
        }
        return new SubjectAltName(Type.IP, a);
    }

    public static SubjectAltName uri(String uri) {
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null) {
                throw new IllegalArgumentException("'URI:" + uri + "': a URI needs a scheme (expected: e.g. spiffe://...)");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'URI:" + uri + "': " + e.getMessage());
        }
        return new SubjectAltName(Type.URI, uri);
    }

    public static SubjectAltName email(String address) {
        if (!EMAIL.matcher(address).matches()) {
            throw new IllegalArgumentException("'email:" + address + "': not an e-mail address");
        }
        return new SubjectAltName(Type.EMAIL, address);
    }

    /**
     * Parses {@code DNS:name}, {@code IP:address}, {@code URI:uri} or {@code email:address}.
     *
     * @throws IllegalArgumentException whose message quotes the input and says what was expected
     */
    public static SubjectAltName parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.indexOf(':');
        String prefix = colon < 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        Type type;
        switch (prefix) {
            case "dns": type = Type.DNS; break;
            case "ip": type = Type.IP; break;
            case "uri": type = Type.URI; break;
            case "email": type = Type.EMAIL; break;
            default:
                throw new IllegalArgumentException("'" + text + "': expected DNS:, IP:, URI: or email:");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "': empty " + type.prefix() + " name");
        }
        switch (type) {
            case DNS: return dns(value);
            case IP: return ip(value);
            case URI: return uri(value);
            default: return email(value);
        }
    }

    /** Whether {@code s} is a syntactically valid host name (wildcard {@code *.} prefix allowed). */
    public static boolean isHostName(String s) {
        return s.length() <= 253 && HOST_NAME.matcher(s).matches();
    }

    public Type type() {
        return type;
    }

    public String value() {
        return value;
    }

    GeneralName toGeneralName() {
        switch (type) {
            case DNS: return new GeneralName(GeneralName.dNSName, value);
            case IP: return new GeneralName(GeneralName.iPAddress, value);
            case URI: return new GeneralName(GeneralName.uniformResourceIdentifier, value);
            default: return new GeneralName(GeneralName.rfc822Name, value);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SubjectAltName)) {
            return false;
        }
        SubjectAltName other = (SubjectAltName) o;
        return type == other.type
                && (type == Type.DNS || type == Type.EMAIL ? value.equalsIgnoreCase(other.value) : value.equals(other.value));
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + value.toLowerCase(Locale.ROOT).hashCode();
    }

    /** The command-line form, e.g. {@code DNS:api.example.com}. */
    @Override
    public String toString() {
        return type.prefix() + ":" + value;
    }
}
