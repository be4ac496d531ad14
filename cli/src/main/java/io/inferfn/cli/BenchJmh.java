package io.inferfn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./inferfn bench jmh}: the JMH micro-benchmarks of the hot path ({@code bench/}, packaged
 * as {@code bench/target/benchmarks.jar}) in a child JVM, its output streamed, then a compact
 * markdown table of the results, also written to {@code .inferfn/bench/jmh.md}.
 */
@Command(
        name = "jmh",
        mixinStandardHelpOptions = true,
        description = "JMH micro-benchmarks of the hot path: ORT fp32 vs int8 by batch size, feature assembly,"
                + " the pipelined Redis fetch vs one HMGET per key (bench/target/benchmarks.jar).")
final class BenchJmh implements Callable<Integer> {

    static final String JAR = "bench/target/benchmarks.jar";
    private static final String BUILD = "./mvnw -B package -DskipTests -pl bench -am";
    private static final List<String> QUICK = List.of("-f", "1", "-wi", "2", "-w", "1s", "-i", "3", "-r", "1s");
    private static final List<String> FULL = List.of("-f", "2", "-wi", "3", "-w", "2s", "-i", "5", "-r", "2s");
    private static final String PACKAGE = "io.inferfn.bench.";

    @ParentCommand
    BenchCommand bench;

    @Option(
            names = "--quick",
            description = "1 fork, 2 x 1 s warm-up, 3 x 1 s measurement (about 2 minutes for all);"
                    + " default: 2 forks, 3 x 2 s warm-up, 5 x 2 s measurement (about 13 minutes)")
    boolean quick;

    @Option(
            names = "--include",
            paramLabel = "REGEX",
            description = "only benchmarks whose name matches, e.g. OrtBench or 'RedisFetchBench.pipelined'"
                    + " (default: all)")
    String include;

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path jar = home.resolve(JAR);
        if (!Files.isRegularFile(jar)) {
            System.err.println("bench jmh: " + JAR + " is not built; build it with:  " + BUILD);
            return 2;
        }
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        Path json = work.resolve("jmh.json");
        Files.deleteIfExists(json);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dhome=" + home,
                "-jar",
                jar.toString()));
        command.addAll(quick ? QUICK : FULL);
        command.addAll(List.of("-foe", "true", "-rf", "json", "-rff", json.toString()));
        if (include != null && !include.isBlank()) {
            command.add(include);
        }
        String shown =
                "java -Dhome=" + home + " -jar " + JAR + " " + String.join(" ", command.subList(4, command.size()));
        System.out.println("running: " + shown);
        Process process = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .start();
        int rc;
        try (InputStream out = process.getInputStream()) {
            out.transferTo(System.out);
            System.out.flush();
            rc = process.waitFor();
        } finally {
            if (process.isAlive()) {
                process.destroy();
            }
        }
        if (rc != 0) {
            System.err.println("bench jmh: JMH exited with code " + rc + " (its output is above)");
            return rc;
        }
        if (!Files.isRegularFile(json)) {
            System.err.println("bench jmh: JMH wrote no results to " + home.relativize(json));
            return 1;
        }
        String table = table(new ObjectMapper().readTree(json.toFile()));
        String report =
                "JMH micro-benchmarks, " + OffsetDateTime.now(ZoneOffset.UTC).withNano(0) + ", "
                        + machine() + "\n\nCommand: `./inferfn bench jmh" + (quick ? " --quick" : "")
                        + (include == null ? "" : " --include '" + include + "'") + "` (`" + shown + "`)\n\n" + table;
        Path md = work.resolve("jmh.md");
        Files.writeString(md, report);
        System.out.println();
        System.out.print(table);
        System.out.println("\nwritten: " + home.relativize(md) + ", " + home.relativize(json));
        return 0;
    }

    /**
     * One row per benchmark and parameter set. For parameters that count rows or keys ({@code batch},
     * {@code keys}) the last column is the score per row or per key.
     */
    static String table(JsonNode results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | params | score | error (99.9 %) | unit | per row / key |\n");
        sb.append("|---|---|---:|---:|---|---:|\n");
        for (JsonNode result : results) {
            String name = result.path("benchmark").asText();
            if (name.startsWith(PACKAGE)) {
                name = name.substring(PACKAGE.length());
            }
            List<String> params = new ArrayList<>();
            long count = 0;
            String per = null;
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            result.path("params").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                params.add(p.getKey() + "=" + p.getValue().asText());
                if (p.getKey().equals("batch") || p.getKey().equals("keys")) {
                    count = p.getValue().asLong();
                    per = p.getKey().equals("batch") ? "row" : "key";
                }
            }
            JsonNode metric = result.path("primaryMetric");
            double score = value(metric.path("score"));
            double error = value(metric.path("scoreError"));
            String unit = metric.path("scoreUnit").asText();
            String perUnit = "";
            if (per != null && count > 0) {
                if (unit.endsWith("/op")) {
                    perUnit = number(score / count) + " " + unit.replace("/op", "/" + per);
                } else if (unit.startsWith("ops/")) {
                    perUnit = number(score * count) + " " + per + "s/" + unit.substring(4);
                }
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s |%n",
                    name,
                    String.join(", ", params),
                    number(score),
                    Double.isNaN(error) ? "n/a" : "± " + number(error),
                    unit,
                    perUnit));
        }
        return sb.toString();
    }

    private static double value(JsonNode node) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        try {
            return Double.parseDouble(node.asText()); // JMH writes "NaN" as a string
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Four significant digits, at most three decimals, with thousands separators. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        int decimals = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: the core count and the JDK still say something
        }
        return String.format(
                Locale.ROOT,
                "%d cores (%s), %s %s, %s %s",
                Runtime.getRuntime().availableProcessors(),
                cpu,
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                System.getProperty("os.name"),
                System.getProperty("os.arch"));
    }
}
