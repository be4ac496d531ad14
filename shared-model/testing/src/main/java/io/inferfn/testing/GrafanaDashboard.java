package io.inferfn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.restassured.path.json.JsonPath;

/**
 * The Grafana dashboard in the repository ({@code infra/grafana/inferfn.json}), read as JSON, and
 * the metric names its PromQL queries: so that a test can check each of them against a real
 * {@code /q/metrics} scrape, and a renamed meter cannot leave a panel silently empty.
 */
public final class GrafanaDashboard {

    /** The dashboard, relative to the repository root. */
    public static final String FILE = "infra/grafana/inferfn.json";

    /** Which function serves the meters a name starts with. */
    public static final Map<String, List<String>> SERVED_BY = Map.of(
            "http-predict",
            List.of(
                    "inferfn_requests",
                    "inferfn_request_",
                    "inferfn_predictions",
                    "inferfn_feature_",
                    "inferfn_inference_",
                    "inferfn_model_load_",
                    "inferfn_model_score_",
                    "inferfn_startup_"),
            "event-score",
            List.of("inferfn_events_", "kafka_consumer_"),
            "batch-score",
            List.of("inferfn_batch_"));

    private static final Pattern METRIC = Pattern.compile("\\b((?:inferfn|kafka)_[a-zA-Z0-9_]+)\\b");

    private GrafanaDashboard() {}

    /** The repository's dashboard file, found from the working directory (a module) upwards. */
    public static Path file() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(FILE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(FILE + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Every PromQL expression of every panel, by panel title; fails if the file is not JSON. */
    public static Map<String, List<String>> queries() {
        String json;
        try {
            json = Files.readString(file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonPath dashboard = JsonPath.from(json);
        Map<String, List<String>> queries = new TreeMap<>();
        List<Map<String, Object>> panels = dashboard.getList("panels");
        for (int i = 0; i < panels.size(); i++) {
            queries.put(
                    dashboard.getString("panels[" + i + "].title"),
                    dashboard.getList("panels[" + i + "].targets.expr", String.class));
        }
        return queries;
    }

    /** The metric names the dashboard's queries read. */
    public static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (List<String> exprs : queries().values()) {
            for (String expr : exprs) {
                Matcher m = METRIC.matcher(expr);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** The names the dashboard reads that {@code function} serves (by {@link #SERVED_BY}). */
    public static Set<String> servedBy(String function) {
        Set<String> names = new TreeSet<>();
        for (String name : metricNames()) {
            for (String prefix : SERVED_BY.get(function)) {
                if (name.startsWith(prefix)) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
