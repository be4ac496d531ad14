package io.inferfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ./inferfn bench ...}: measurements that are run, not asserted (see BENCHMARKS.md). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Measurements: cold start, HTTP latency and throughput, overload (load shedding), batch and event scoring"
                        + " throughput,"
                        + " JMH micro-benchmarks of the hot path.",
        subcommands = {
            BenchColdStart.class,
            BenchHttp.class,
            BenchOverload.class,
            BenchOverhead.class,
            BenchBatch.class,
            BenchSpark.class,
            BenchEvents.class,
            BenchJmh.class
        })
final class BenchCommand implements Runnable {

    @ParentCommand
    Inferfn parent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--quick",
            description = "The short tour (about two minutes): http --quick, then events and batch on small inputs;"
                    + " one report in .inferfn/bench/BENCHMARKS-quick.md.")
    boolean quick;

    @Option(
            names = "--full",
            description = "Every measurement at full size (about 20 minutes): coldstart, http, overload, events, batch,"
                    + " and the JMH micro-benchmarks when bench/target/benchmarks.jar is built; one report in"
                    + " .inferfn/bench/BENCHMARKS-full.md.")
    boolean full;

    @Override
    public void run() {
        if (!quick && !full) {
            picocli.CommandLine.usage(this, System.out);
            return;
        }
        List<List<String>> plan = quick
                ? List.of(
                        List.of("http", "--quick"),
                        List.of(
                                "events",
                                "--events",
                                "200000",
                                "--seconds",
                                "10",
                                "--targets",
                                "pass-through,event-score"),
                        List.of("batch", "--rows", "200000"))
                : List.of(
                        List.of("coldstart", "--runs", "5", "--set", "all"),
                        List.of("http"),
                        List.of("overload"),
                        List.of("events"),
                        List.of("batch"),
                        List.of("jmh"));
        Path home = parent.home.toAbsolutePath().normalize();
        StringBuilder report = new StringBuilder();
        String mode = quick ? "quick" : "full";
        report.append("# inferfn benchmarks (")
                .append(mode)
                .append(")\n\n")
                .append(Machine.describe())
                .append("\n\nCommand: `./inferfn bench --")
                .append(mode)
                .append("`, started ")
                .append(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0))
                .append(".\n");
        java.io.PrintStream console = System.out;
        int failures = 0;
        for (List<String> step : plan) {
            picocli.CommandLine sub = spec.subcommands().get(step.get(0));
            if (step.get(0).equals("jmh") && !Files.isRegularFile(home.resolve("bench/target/benchmarks.jar"))) {
                report.append("\n## ")
                        .append(String.join(" ", step))
                        .append("\n\nskipped: bench/target/benchmarks.jar"
                                + " is not built (./mvnw -B package -DskipTests -pl bench -am)\n");
                continue;
            }
            if (sub == null) {
                continue;
            }
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            System.setOut(new java.io.PrintStream(
                    new TeeStream(console, captured), true, java.nio.charset.StandardCharsets.UTF_8));
            long start = System.nanoTime();
            int rc;
            try {
                console.println("\n== ./inferfn bench " + String.join(" ", step));
                rc = sub.execute(step.subList(1, step.size()).toArray(String[]::new));
            } finally {
                System.out.flush();
                System.setOut(console);
            }
            failures += rc == 0 ? 0 : 1;
            report.append("\n## `./inferfn bench ")
                    .append(String.join(" ", step))
                    .append("` (")
                    .append((System.nanoTime() - start) / 1_000_000_000)
                    .append(" s")
                    .append(rc == 0 ? "" : ", FAILED with exit code " + rc)
                    .append(")\n\n");
            for (String line :
                    captured.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("|")) {
                    report.append(line).append('\n');
                }
            }
        }
        try {
            Path out = home.resolve(".inferfn/bench/BENCHMARKS-" + mode + ".md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            console.println("\nreport: " + home.relativize(out));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (failures > 0) {
            throw new picocli.CommandLine.ExecutionException(spec.commandLine(), failures + " benchmark(s) failed");
        }
    }

    /** Writes to the console and to a buffer, for the report. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
        }
    }

    /** The machine a report was measured on. */
    static final class Machine {
        private Machine() {}

        static String describe() {
            String cpu = "unknown CPU";
            try {
                cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim())
                        .findFirst()
                        .orElse(cpu);
            } catch (java.io.IOException | RuntimeException e) {
                // not Linux: the core count and JDK still say something
            }
            return String.format(
                    Locale.ROOT,
                    "Machine: %d cores (%s), %d MiB max heap for the CLI, %s %s on %s %s; load generator, broker and"
                            + " functions on the same machine.",
                    Runtime.getRuntime().availableProcessors(),
                    cpu,
                    Runtime.getRuntime().maxMemory() >> 20,
                    System.getProperty("java.vm.name"),
                    System.getProperty("java.version"),
                    System.getProperty("os.name"),
                    System.getProperty("os.version"));
        }
    }
}
