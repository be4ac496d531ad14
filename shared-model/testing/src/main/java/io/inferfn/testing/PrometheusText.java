package io.inferfn.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what {@code /q/metrics} serves),
 * for tests: every line must be a {@code # HELP}, a {@code # TYPE}, another comment, or a sample
 * {@code name{label="value",...} value [timestamp]} with the format's escapes; anything else fails
 * the parse with the line. No Java library on Maven Central parses this format (the Prometheus Java
 * client only writes it), hence this one.
 */
public final class PrometheusText {

    /** One sample: a series name, its labels (in order) and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming the line that is not the format. */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isEmpty()) {
                if (n != lines.length - 1) {
                    throw error(n, line, "empty line");
                }
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    comment(line, types);
                } else {
                    samples.add(sample(line));
                }
            } catch (RuntimeException e) {
                throw error(n, line, e.getMessage());
            }
        }
        // a sample with no # TYPE line is "untyped", which the format allows
        return new PrometheusText(Collections.unmodifiableList(samples), types);
    }

    private static IllegalArgumentException error(int n, String line, String why) {
        return new IllegalArgumentException(
                "line " + (n + 1) + " is not Prometheus text format (" + why + "): " + line);
    }

    private static void comment(String line, Map<String, String> types) {
        if (line.startsWith("# TYPE ")) {
            String[] parts = line.substring(7).split(" ");
            if (parts.length != 2 || !validName(parts[0])) {
                throw new IllegalArgumentException("expected '# TYPE <name> <type>'");
            }
            if (!Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])) {
                throw new IllegalArgumentException("unknown type " + parts[1]);
            }
            if (types.put(parts[0], parts[1]) != null) {
                throw new IllegalArgumentException("second # TYPE for " + parts[0]);
            }
        } else if (line.startsWith("# HELP ")) {
            String rest = line.substring(7);
            int space = rest.indexOf(' ');
            if (!validName(space < 0 ? rest : rest.substring(0, space))) {
                throw new IllegalArgumentException("expected '# HELP <name> <text>'");
            }
        }
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!validName(name)) {
            throw new IllegalArgumentException("invalid metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("invalid label name '" + label + "'");
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value of " + label + " is not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(
                                switch (next) {
                                    case 'n' -> '\n';
                                    case '\\' -> '\\';
                                    case '"' -> '"';
                                    default -> throw new IllegalArgumentException("bad escape \\" + next);
                                });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' after label " + label);
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("expected a space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw new IllegalArgumentException("expected 'value [timestamp]'");
        }
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static boolean validName(String name) {
        return name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
    }

    /** Every sample, in the order served. */
    public List<Sample> samples() {
        return samples;
    }

    /** The names of every series served (sample names, such as {@code x_bucket}, and family names). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(types.keySet());
        for (Sample s : samples) {
            names.add(s.name);
        }
        return names;
    }

    /**
     * The sum of the samples named {@code name} whose labels include every pair of {@code labels}
     * ({@code "k1", "v1", "k2", "v2", ...}); 0 when none match (a counter not yet incremented).
     */
    public double sum(String name, String... labels) {
        double total = 0;
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s, labels)) {
                total += s.value;
            }
        }
        return total;
    }

    /** The samples named {@code name} whose labels include every pair of {@code labels}. */
    public List<Sample> find(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s, labels)) {
                found.add(s);
            }
        }
        return found;
    }

    private static boolean matches(Sample s, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in pairs: name, value");
        }
        for (int k = 0; k < labels.length; k += 2) {
            if (!labels[k + 1].equals(s.labels.get(labels[k]))) {
                return false;
            }
        }
        return true;
    }
}
