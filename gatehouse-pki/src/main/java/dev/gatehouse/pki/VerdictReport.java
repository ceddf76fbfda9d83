package dev.gatehouse.pki;

import java.security.cert.X509Certificate;

/**
 * How a {@link Verdict} is told to people: the step-by-step report {@code gatehouse verify} prints (text or
 * JSON), and the failing step with its words that the gateway keeps with a rejected handshake. One renderer,
 * so that the admin API and the dashboard explain a rejection in the very words the command line uses.
 */
public final class VerdictReport {
    private VerdictReport() {}

    /** One step as {@code gatehouse verify} prints it: name, outcome and detail in aligned columns. */
    public static String stepLine(Verdict.Step s) {
        return String.format("%-18s %-11s %s", s.name(), s.outcome().label(), s.detail());
    }

    /** The first step that failed, or {@code null} (a success, or a failure decided before any step ran). */
    public static Verdict.Step failingStep(Verdict v) {
        for (Verdict.Step s : v.steps()) {
            if (s.outcome() == Verdict.Outcome.FAIL) {
                return s;
            }
        }
        return null;
    }

    /** The text report: one line per step, warnings, the path, the explanation of a failure, the status. */
    public static String text(Verdict v) {
        String nl = System.lineSeparator();
        StringBuilder sb = new StringBuilder();
        for (Verdict.Step s : v.steps()) {
            sb.append(stepLine(s)).append(nl);
        }
        for (String w : v.warnings()) {
            sb.append("warning: ").append(w).append(nl);
        }
        if (!v.path().isEmpty()) {
            sb.append("path:").append(nl);
            for (X509Certificate c : v.path()) {
                sb.append("  ").append(CertificateNames.subject(c)).append(" (serial ")
                        .append(CertificateNames.serialHex(c)).append(')').append(nl);
            }
        }
        if (!v.isSuccess()) {
            sb.append("explanation: ").append(v.explanation()).append(nl);
        }
        sb.append("status: ").append(v.status()).append(nl);
        return sb.toString();
    }

    /** The JSON report: status, explanation, steps, path and warnings, on one line. */
    public static String json(Verdict v) {
        StringBuilder sb = new StringBuilder("{\"status\":").append(Json.quote(v.status()))
                .append(",\"explanation\":").append(Json.quote(v.explanation())).append(",\"steps\":[");
        for (int i = 0; i < v.steps().size(); i++) {
            Verdict.Step s = v.steps().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.quote(s.name()))
                    .append(",\"result\":").append(Json.quote(s.outcome().label()))
                    .append(",\"detail\":").append(Json.quote(s.detail())).append('}');
        }
        sb.append("],\"path\":[");
        for (int i = 0; i < v.path().size(); i++) {
            X509Certificate c = v.path().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"subject\":").append(Json.quote(CertificateNames.subject(c)))
                    .append(",\"serial\":").append(Json.quote(CertificateNames.serialHex(c))).append('}');
        }
        sb.append("],\"warnings\":[");
        for (int i = 0; i < v.warnings().size(); i++) {
            sb.append(i == 0 ? "" : ",").append(Json.quote(v.warnings().get(i)));
        }
        return sb.append("]}").append('\n').toString();
    }
}
