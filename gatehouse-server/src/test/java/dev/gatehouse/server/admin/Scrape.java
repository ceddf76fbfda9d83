package dev.gatehouse.server.admin;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of {@code /metrics} in the Prometheus protobuf format, parsed with the Prometheus Java
 * client's own generated classes ({@code prometheus-metrics-exposition-formats}): the client ships no
 * parser of its text format, and this is the format Prometheus itself prefers.
 */
final class Scrape {
    static final String PROTOBUF_ACCEPT =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /** One data point: its labels and value (a histogram's value is its count). */
    record Sample(Map<String, String> labels, double value) {}

    final Map<String, Metrics.MetricFamily> families = new LinkedHashMap<>();

    Scrape(byte[] body) throws IOException {
        InputStream in = new ByteArrayInputStream(body);
        Metrics.MetricFamily f;
        while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            families.put(f.getName(), f);
        }
    }

    List<Sample> samples(String family) {
        Metrics.MetricFamily f = families.get(family);
        List<Sample> out = new ArrayList<>();
        if (f == null) {
            return out;
        }
        for (Metrics.Metric m : f.getMetricList()) {
            Map<String, String> labels = new TreeMap<>();
            for (Metrics.LabelPair p : m.getLabelList()) {
                labels.put(p.getName(), p.getValue());
            }
            double value = switch (f.getType()) {
                case COUNTER -> m.getCounter().getValue();
                case GAUGE -> m.getGauge().getValue();
                case HISTOGRAM -> m.getHistogram().getSampleCount();
                default -> Double.NaN;
            };
            out.add(new Sample(labels, value));
        }
        return out;
    }

    /** The value of the data point with exactly {@code labels} ({@code name, value, ...}), or {@code null}. */
    Double value(String family, String... labels) {
        Map<String, String> want = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        for (Sample s : samples(family)) {
            if (s.labels().equals(want)) {
                return s.value();
            }
        }
        return null;
    }
}
