package dev.gatehouse.clientcert.servlet;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.ForwardedClientCertException;
import dev.gatehouse.clientcert.Format;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Makes a certificate that a TLS-terminating proxy forwarded in a header look to the application as if
 * the client had presented it to the servlet container itself.
 *
 * <h2>What it does</h2>
 * For a request whose remote address ({@code getRemoteAddr()}) lies in one of the trusted proxy CIDR
 * blocks:
 * <ul>
 *   <li>header present: it is decoded with {@link ForwardedClientCert} and the chain, leaf first, is set
 *   as the standard request attribute {@value #CERTIFICATE_ATTRIBUTE} ({@code X509Certificate[]}), which
 *   container authentication ({@code CLIENT-CERT}) and Spring Security's {@code x509()} read; the decoded
 *   {@link ForwardedClientCert} is also set as {@value #FORWARDED_ATTRIBUTE};</li>
 *   <li>header absent: both attributes are removed, since the trusted proxy says the client presented no
 *   certificate (a certificate the container saw belongs to the proxy's own connection);</li>
 *   <li>header malformed, or repeated in a format that cannot be repeated: the request is answered
 *   {@code 400 Bad Request} with the decoder's message and goes no further.</li>
 * </ul>
 * For any other remote address the header is ignored and hidden from the application
 * ({@code getHeader} returns {@code null}), and the attributes are left as the container set them.
 *
 * <h2>Configuration</h2>
 * In code: {@code ForwardedClientCertFilter.trusting("10.0.0.0/8").withFormat(Format.ENVOY_XFCC)}.
 * In {@code web.xml}, init parameters (which override what the constructor set):
 * <ul>
 *   <li>{@value #PARAM_TRUSTED_PROXIES}: required, comma-separated CIDR blocks, e.g.
 *   {@code 10.0.0.0/8, 127.0.0.1/32};</li>
 *   <li>{@value #PARAM_FORMAT}: a {@link Format} name; default: detected per request;</li>
 *   <li>{@value #PARAM_HEADER}: the header name; default: the format's
 *   {@link Format#defaultHeaderName()}, or {@code X-Amzn-Mtls-Clientcert} when the format is detected.
 *   For {@link Format#RFC9440} the chain is also read from {@code Client-Cert-Chain}.</li>
 * </ul>
 *
 * <p>Thread-safety: configured instances are immutable; the {@code with...} methods return copies.
 * {@link #init(FilterConfig)} runs before the container sends requests, and the settings are published
 * through a volatile field.
 */
public final class ForwardedClientCertFilter implements Filter {

    /** The Servlet specification's attribute for the client's certificate chain. */
    public static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    /** Attribute holding the decoded {@link ForwardedClientCert}. */
    public static final String FORWARDED_ATTRIBUTE = "dev.gatehouse.clientcert.ForwardedClientCert";
    /** Init parameter: comma-separated trusted proxy CIDR blocks. */
    public static final String PARAM_TRUSTED_PROXIES = "trustedProxies";
    /** Init parameter: header name. */
    public static final String PARAM_HEADER = "header";
    /** Init parameter: {@link Format} name. */
    public static final String PARAM_FORMAT = "format";
    /** Default header when the format is detected. */
    public static final String DEFAULT_HEADER = Format.URL_ENCODED_PEM.defaultHeaderName();
    /** The second header of {@link Format#RFC9440}. */
    public static final String RFC9440_CHAIN_HEADER = "Client-Cert-Chain";

    private volatile Settings settings;

    /** An unconfigured filter, for {@code web.xml}: {@link #init} reads the init parameters. */
    public ForwardedClientCertFilter() {
        this.settings = null;
    }

    private ForwardedClientCertFilter(Settings settings) {
        this.settings = settings;
    }

    /**
     * A filter that trusts the header from these proxies: header {@code X-Amzn-Mtls-Clientcert}, format
     * detected per request.
     *
     * @param trustedProxyCidrs CIDR blocks such as {@code 10.0.0.0/8} or bare addresses; at least one
     * @throws IllegalArgumentException if none is given or one does not parse
     */
    public static ForwardedClientCertFilter trusting(String... trustedProxyCidrs) {
        List<CidrBlock> blocks = new ArrayList<>();
        for (String cidr : trustedProxyCidrs) {
            blocks.add(CidrBlock.parse(cidr));
        }
        return trusting(blocks);
    }

    /** As {@link #trusting(String...)}, with parsed blocks. */
    public static ForwardedClientCertFilter trusting(List<CidrBlock> trustedProxies) {
        if (trustedProxies == null || trustedProxies.isEmpty()) {
            throw new IllegalArgumentException("trustedProxies: " + trustedProxies
                    + " (expected: at least one CIDR block, e.g. 10.0.0.0/8)");
        }
        return new ForwardedClientCertFilter(new Settings(trustedProxies, null, null));
    }

    /** A copy that reads this header (case-insensitive, as all HTTP header names). */
    public ForwardedClientCertFilter withHeader(String headerName) {
        if (headerName == null || headerName.isBlank()) {
            throw new IllegalArgumentException("headerName: '" + headerName + "' (expected: a header name)");
        }
        Settings s = configured();
        return new ForwardedClientCertFilter(new Settings(s.trustedProxies, headerName.trim(), s.format));
    }

    /** A copy that decodes this format only, instead of detecting it. */
    public ForwardedClientCertFilter withFormat(Format format) {
        if (format == null) {
            throw new IllegalArgumentException("format: null (expected: a Format)");
        }
        Settings s = configured();
        return new ForwardedClientCertFilter(new Settings(s.trustedProxies, s.header, format));
    }

    /** The trusted proxy blocks. */
    public List<CidrBlock> trustedProxies() {
        return configured().trustedProxies;
    }

    /** The header read. */
    public String headerName() {
        return configured().headerName();
    }

    /** The format, or empty when it is detected per request. */
    public Optional<Format> format() {
        return Optional.ofNullable(configured().format);
    }

    private Settings configured() {
        Settings s = settings;
        if (s == null) {
            throw new IllegalStateException("filter not configured (expected: ForwardedClientCertFilter.trusting(...)"
                    + " or the init parameter " + PARAM_TRUSTED_PROXIES + ")");
        }
        return s;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        String proxies = config.getInitParameter(PARAM_TRUSTED_PROXIES);
        String header = config.getInitParameter(PARAM_HEADER);
        String format = config.getInitParameter(PARAM_FORMAT);
        Settings current = settings;
        if (proxies == null && current == null) {
            throw new ServletException("init parameter " + PARAM_TRUSTED_PROXIES + " is missing (expected:"
                    + " comma-separated CIDR blocks of the proxies that set the header, e.g. 10.0.0.0/8)");
        }
        try {
            List<CidrBlock> blocks = new ArrayList<>();
            if (proxies != null) {
                for (String part : proxies.split(",")) {
                    if (!part.isBlank()) {
                        blocks.add(CidrBlock.parse(part));
                    }
                }
                if (blocks.isEmpty()) {
                    throw new IllegalArgumentException(PARAM_TRUSTED_PROXIES + ": '" + proxies
                            + "' (expected: at least one CIDR block)");
                }
            }
            settings = new Settings(
                    proxies != null ? blocks : current.trustedProxies,
                    header != null && !header.isBlank() ? header.trim() : current == null ? null : current.header,
                    format != null && !format.isBlank() ? Format.fromName(format) : current == null ? null : current.format);
        } catch (IllegalArgumentException e) {
            throw new ServletException("invalid configuration of " + ForwardedClientCertFilter.class.getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            chain.doFilter(request, response);
            return;
        }
        Settings s = configured();
        HttpServletRequest http = (HttpServletRequest) request;
        if (!s.isTrusted(http.getRemoteAddr())) {
            chain.doFilter(new HeaderHidingRequest(http, s.hiddenHeaders()), response);
            return;
        }
        String header = s.headerName();
        List<String> values = Collections.list(http.getHeaders(header));
        if (values.isEmpty()) {
            http.removeAttribute(CERTIFICATE_ATTRIBUTE);
            http.removeAttribute(FORWARDED_ATTRIBUTE);
            chain.doFilter(request, response);
            return;
        }
        ForwardedClientCert decoded;
        try {
            decoded = decode(s, header, values, http);
        } catch (ForwardedClientCertException e) {
            ((HttpServletResponse) response).sendError(HttpServletResponse.SC_BAD_REQUEST,
                    "header " + header + ": " + e.getMessage());
            return;
        }
        http.setAttribute(CERTIFICATE_ATTRIBUTE, decoded.toArray());
        http.setAttribute(FORWARDED_ATTRIBUTE, decoded);
        chain.doFilter(request, response);
    }

    private static ForwardedClientCert decode(Settings s, String header, List<String> values, HttpServletRequest http) {
        Format format = s.format != null ? s.format : ForwardedClientCert.detect(values.get(0));
        if (format == Format.RFC9440) {
            if (values.size() > 1) {
                throw new ForwardedClientCertException(header + " appears " + values.size()
                        + " times (expected: once)", 0);
            }
            List<String> chainValues = Collections.list(http.getHeaders(RFC9440_CHAIN_HEADER));
            String chainValue = chainValues.isEmpty() ? null : String.join(", ", chainValues);
            return ForwardedClientCert.decodeRfc9440(values.get(0), chainValue);
        }
        if (values.size() > 1) {
            if (format != Format.ENVOY_XFCC && format != Format.TRAEFIK) {
                throw new ForwardedClientCertException(header + " appears " + values.size()
                        + " times (expected: once; only XFCC and Traefik values are lists)", 0);
            }
            return ForwardedClientCert.decode(format, String.join(",", values));
        }
        return ForwardedClientCert.decode(format, values.get(0));
    }

    @Override
    public String toString() {
        Settings s = settings;
        return s == null ? "ForwardedClientCertFilter{unconfigured}"
                : "ForwardedClientCertFilter{trustedProxies=" + s.trustedProxies + ", header=" + s.headerName()
                + ", format=" + (s.format == null ? "detected" : s.format) + "}";
    }

    private static final class Settings {
        final List<CidrBlock> trustedProxies;
        final String header;
        final Format format;

        Settings(List<CidrBlock> trustedProxies, String header, Format format) {
            this.trustedProxies = List.copyOf(trustedProxies);
            this.header = header;
            this.format = format;
        }

        String headerName() {
            if (header != null) {
                return header;
            }
            return format != null ? format.defaultHeaderName() : DEFAULT_HEADER;
        }

        List<String> hiddenHeaders() {
            return format == Format.RFC9440 || format == null
                    ? List.of(headerName(), RFC9440_CHAIN_HEADER) : List.of(headerName());
        }

        boolean isTrusted(String remoteAddress) {
            return CidrBlock.parseLiteral(remoteAddress)
                    .map(a -> trustedProxies.stream().anyMatch(b -> b.contains(a)))
                    .orElse(false);
        }
    }

    /** The request as an untrusted client sent it, minus the headers only a trusted proxy may set. */
    private static final class HeaderHidingRequest extends HttpServletRequestWrapper {
        private final List<String> hidden;

        HeaderHidingRequest(HttpServletRequest request, List<String> hidden) {
            super(request);
            this.hidden = hidden;
        }

        private boolean isHidden(String name) {
            for (String h : hidden) {
                if (h.equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String getHeader(String name) {
            return isHidden(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return isHidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (String name : Collections.list(super.getHeaderNames())) {
                if (!isHidden(name)) {
                    names.add(name);
                }
            }
            return Collections.enumeration(names);
        }

        @Override
        public long getDateHeader(String name) {
            return isHidden(name) ? -1 : super.getDateHeader(name);
        }

        @Override
        public int getIntHeader(String name) {
            return isHidden(name) ? -1 : super.getIntHeader(name);
        }
    }
}
