package dev.gatehouse.clientcert.servlet;

import dev.gatehouse.clientcert.ForwardedClientCert;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real embedded Jetty on 127.0.0.1 with the filter in front of a servlet that reports what the
 * application sees: the standard certificate attribute and the raw header.
 */
final class JettyBackend implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;

    private JettyBackend(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Jetty with its default request header limit. */
    static JettyBackend start(FilterHolder filter) throws Exception {
        return start(filter, null);
    }

    /** @param requestHeaderSize the connector's limit, or null for Jetty's default (8 KiB) */
    static JettyBackend start(FilterHolder filter, Integer requestHeaderSize) throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        if (requestHeaderSize != null) {
            http.setRequestHeaderSize(requestHeaderSize);
        }
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new WhoAmI()), "/whoami");
        server.setHandler(context);
        server.start();
        return new JettyBackend(server, connector);
    }

    static FilterHolder holder(Filter filter) {
        return new FilterHolder(filter);
    }

    static FilterHolder holder(Map<String, String> initParameters) {
        FilterHolder holder = new FilterHolder(ForwardedClientCertFilter.class);
        holder.setInitParameters(initParameters);
        return holder;
    }

    String url() {
        return "http://127.0.0.1:" + connector.getLocalPort() + "/whoami";
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop Jetty", e);
        }
    }

    /** Reports the certificate attribute and the header, one fact per line. */
    static final class WhoAmI extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Object attribute = request.getAttribute("jakarta.servlet.request.X509Certificate");
            StringBuilder body = new StringBuilder();
            body.append("remote=").append(request.getRemoteAddr()).append('\n');
            if (attribute instanceof X509Certificate[]) {
                X509Certificate[] chain = (X509Certificate[]) attribute;
                body.append("certificates=").append(chain.length).append('\n');
                body.append("subject=").append(chain[0].getSubjectX500Principal().getName()).append('\n');
                body.append("sha256=").append(sha256(chain[0])).append('\n');
                Object forwarded = request.getAttribute(ForwardedClientCertFilter.FORWARDED_ATTRIBUTE);
                body.append("format=").append(((ForwardedClientCert) forwarded).format()).append('\n');
            } else {
                body.append("certificates=none\n");
            }
            body.append("header=").append(request.getHeader("X-Amzn-Mtls-Clientcert") == null ? "absent" : "present")
                    .append('\n');
            response.setContentType("text/plain");
            response.getWriter().write(body.toString());
        }
    }

    static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
