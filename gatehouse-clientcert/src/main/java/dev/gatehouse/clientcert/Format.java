package dev.gatehouse.clientcert;

import java.util.Locale;

/**
 * The ways proxies put a client certificate chain into a request header.
 *
 * <p>"PEM" below means RFC 7468 text: {@code -----BEGIN CERTIFICATE-----}, the base64 of the DER in
 * 64-character lines, {@code -----END CERTIFICATE-----}, each line ending with LF. Chains are always
 * leaf first.
 */
public enum Format {

    /**
     * {@code X-Amzn-Mtls-Clientcert} (whole chain) and {@code X-Amzn-Mtls-Clientcert-Leaf} (leaf only),
     * as sent by the cloud application load balancer and by Gatehouse: the PEM of each certificate,
     * concatenated, with space written {@code %20} and LF written {@code %0A}; {@code +}, {@code =} and
     * {@code /} are left literal. A value starts {@code -----BEGIN%20CERTIFICATE-----%0A} and ends
     * {@code -----END%20CERTIFICATE-----%0A}. The decoder undoes any {@code %XX} (upper- or lower-case)
     * and never treats {@code +} as a space.
     */
    URL_ENCODED_PEM("X-Amzn-Mtls-Clientcert"),

    /**
     * nginx's {@code $ssl_client_escaped_cert} (leaf only), usually sent as
     * {@code proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;}: the PEM with every character
     * other than {@code A-Z a-z 0-9 - . _ ~} percent-encoded with upper-case hex, so {@code +}, {@code /}
     * and {@code =} become {@code %2B}, {@code %2F} and {@code %3D}. Decoded exactly like
     * {@link #URL_ENCODED_PEM}; detection tells them apart by whether {@code + / =} appear escaped.
     */
    NGINX_ESCAPED_PEM("X-SSL-Client-Cert"),

    /**
     * Envoy's {@code X-Forwarded-Client-Cert} (XFCC): elements separated by {@code ,}, one per proxy
     * that appended to it; in each, {@code Key=Value} pairs separated by {@code ;} with optionally
     * double-quoted values; {@code Cert} holds the leaf and {@code Chain} the whole chain as PEM with
     * space, LF, {@code +}, {@code /} and {@code =} percent-encoded; also {@code Hash}, {@code Subject},
     * {@code URI}, {@code DNS} and {@code By}. See {@link XfccElement}. Decoding takes the certificates
     * of the <em>last</em> element, the one added by the proxy nearest to the backend.
     */
    ENVOY_XFCC("X-Forwarded-Client-Cert"),

    /**
     * Traefik's {@code X-Forwarded-Tls-Client-Cert} ({@code passTLSClientCert} with {@code pem: true}):
     * the base64 of each certificate's DER without PEM armour or line breaks, certificates joined by
     * {@code ,}. A value that contains {@code %} is percent-decoded first.
     */
    TRAEFIK("X-Forwarded-Tls-Client-Cert"),

    /**
     * RFC 9440 {@code Client-Cert}: the leaf's DER as an RFC 8941 Byte Sequence, {@code :base64:}. The
     * chain travels separately in {@code Client-Cert-Chain}, a List of Byte Sequences
     * ({@code :base64:, :base64:}) of the certificates after the leaf; see
     * {@link ForwardedClientCert#decodeRfc9440(String, String)} and
     * {@link ForwardedClientCert#encodeRfc9440Chain(java.util.List)}.
     */
    RFC9440("Client-Cert"),

    /**
     * Plain PEM, as nginx's deprecated {@code $ssl_client_cert} sends it (lines after the first
     * prefixed with a TAB, i.e. obsolete header line folding) or with the line ends replaced by spaces.
     * The encoder writes standard PEM text with LF line ends, which is not a valid single-line header
     * value: use it for files and logs, and one of the other formats on the wire.
     */
    PEM("X-SSL-Cert");

    private final String defaultHeaderName;

    Format(String defaultHeaderName) {
        this.defaultHeaderName = defaultHeaderName;
    }

    /**
     * The header this format is usually sent in. For {@link #NGINX_ESCAPED_PEM} and {@link #PEM} there
     * is no standard name; these are common conventions, and you name the header in your proxy.
     */
    public String defaultHeaderName() {
        return defaultHeaderName;
    }

    /**
     * Parses a format name as written in configuration: the constant name in any case, with
     * {@code -} accepted for {@code _} ({@code url-encoded-pem}, {@code ENVOY_XFCC}).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Format fromName(String name) {
        if (name != null) {
            String normalized = name.trim().replace('-', '_').toUpperCase(Locale.ROOT);
            for (Format f : values()) {
                if (f.name().equals(normalized)) {
                    return f;
                }
            }
        }
        StringBuilder accepted = new StringBuilder();
        for (Format f : values()) {
            accepted.append(accepted.length() == 0 ? "" : ", ").append(f.name());
        }
        throw new IllegalArgumentException("format: " + name + " (expected: one of " + accepted + ")");
    }
}
