package dev.gatehouse.server.http;

import dev.gatehouse.server.connection.CertificateRefusal;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The answer to every request of a connection whose client certificate was refused on a listener with
 * {@code failure_response: http}: {@code 496 SSL Certificate Required} when none was presented,
 * {@code 495 SSL Certificate Error} when it failed verification. The body names the failure code (as in
 * the connection log) and the verifier's failing step, and the connection's trace id; what the step found
 * stays in the gateway's access log (it names the gateway's trust-store files). JSON when the client prefers
 * {@code application/json} ({@code Accept} names it, or {@code application/*}, with a q-value above 0 and
 * not below that of {@code text/html}), else a short HTML page.
 */
final class CertificateRefusalPage {
    static final HttpResponseStatus CERTIFICATE_ERROR = new HttpResponseStatus(495, "SSL Certificate Error");
    static final HttpResponseStatus CERTIFICATE_REQUIRED = new HttpResponseStatus(496, "SSL Certificate Required");

    private CertificateRefusalPage() {}

    /** The response to one request; {@code accept} is its {@code Accept} header (or {@code null}). */
    static FullHttpResponse of(CertificateRefusal refusal, String accept, String traceId) {
        HttpResponseStatus status = refusal.status() == CertificateRefusal.NO_CERTIFICATE
                ? CERTIFICATE_REQUIRED : CERTIFICATE_ERROR;
        String body;
        String type;
        if (prefersJson(accept)) {
            type = "application/json";
            body = "{\"status\":" + status.code() + ",\"error\":" + json(status.reasonPhrase())
                    + ",\"code\":" + json(refusal.code()) + ",\"step\":" + json(refusal.step())
 + ",\"trace_id\":" + json(traceId) + "}\n";
        } else {
            type = "text/html; charset=utf-8";
            String title = status.code() + " " + status.reasonPhrase();
            body = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n"
                    + "<body><h1>" + title + "</h1>\n"
                    + "<p>Your client certificate was not accepted: <code>" + html(refusal.code()) + "</code>"
                    + " (failed step: <code>" + html(refusal.step()) + "</code>).</p>\n"
                    + "<p>Trace id: <code>" + html(traceId) + "</code></p>\n</body></html>\n";
        }
        return LocalResponses.of(status, type, body.getBytes(StandardCharsets.UTF_8), null);
    }

    /** Whether {@code accept} prefers JSON to HTML (see the class documentation). */
    static boolean prefersJson(String accept) {
        if (accept == null) {
            return false;
        }
        double json = 0;
        double html = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                if (p.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        q = Double.parseDouble(p.substring(2).strip());
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (type.equals("application/json") || type.equals("application/*")) {
                json = Math.max(json, q);
            } else if (type.equals("text/html") || type.equals("text/*")) {
                html = Math.max(html, q);
            }
        }
        return json > 0 && json >= html;
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
