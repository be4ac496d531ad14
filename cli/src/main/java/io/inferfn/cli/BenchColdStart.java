package io.inferfn.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * Time to first prediction: from process start to the first non-degraded {@code /predict} (model loaded and
 * verified, Redis connected), per JVM variant, beside the framework floor (bench/floor: the same extensions and
 * flags, a constant answer) and the Node.js peer, in interleaved rounds, with the RSS after it.
 */
@Command(name = "coldstart", mixinStandardHelpOptions = true, description = "Time to first prediction per JVM variant.")
final class BenchColdStart implements Callable<Integer> {

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--runs", description = "runs per variant (default: ${DEFAULT-VALUE})", defaultValue = "5")
    int runs;

    @Option(
            names = "--port",
            description = "HTTP port for the function (default: ${DEFAULT-VALUE})",
            defaultValue = "18180")
    int port;

    @Option(
            names = "--jdk25",
            description = "a JDK 25 for the AOT-cache variants (default: ${DEFAULT-VALUE}; skipped when absent)",
            defaultValue = "/usr/lib/jvm/temurin-25-jdk-amd64")
    Path jdk25;

    @Option(
            names = "--set",
            description = "standard: the JVM variants; lambda: the Lambda configuration under CPU quotas"
                    + " (--lambda-memory); all (default: ${DEFAULT-VALUE})",
            defaultValue = "standard")
    Variants set;

    enum Variants {
        standard,
        lambda,
        all
    }

    @Option(
            names = "--lambda-memory",
            split = ",",
            description = "Lambda memory sizes (MB) to emulate in the lambda set by the CPU share Lambda gives"
                    + " them (1,769 MB = 1 vCPU) as a cgroup CPU quota (default: ${DEFAULT-VALUE})",
            defaultValue = "512,1024,1769,3008")
    List<Integer> lambdaMemory;

    @Option(
            names = "--variant",
            description = "only the JVM variants whose name contains this regex, e.g. 'AOT' (default: all)")
    Pattern only;

    @Option(
            names = "--peer",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "also time the Node.js peer (bench/node-peer) in every round, when node is on PATH"
                    + " (default: ${DEFAULT-VALUE})")
    boolean peer;

    /** A Quarkus app started per run: http-predict, or the framework floor (bench/floor). */
    private record App(String name, Path jar, Path cds, Path aot) {}

    /** A JVM configuration run on both apps; the AppCDS archive and the AOT cache are each app's own. */
    private record Variant(
            String name, Path jdk, List<String> flags, boolean cds, boolean aot, Map<String, String> env) {

        List<String> args(App app) {
            List<String> args = new ArrayList<>(flags);
            if (cds) {
                args.add(1, "-XX:SharedArchiveFile=" + app.cds());
            }
            if (aot) {
                args.add(1, "-XX:AOTCache=" + app.aot());
            }
            return args;
        }
    }

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path app = home.resolve("functions/http-predict/target/quarkus-app");
        Path floorApp = home.resolve("bench/floor/target/quarkus-app");
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        Path jdk17 = Path.of(System.getProperty("java.home"));
        try (MachineLoad load = MachineLoad.start();
                LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            machine = load;
            redis.start();
            RedisHashes.load(redis.uri(), home.resolve("models/fraud/customers.csv"), "customer:");
            Map<String, String> env = Map.of(
                    "INFERFN_MODEL_LOCATIONS",
                    "file:" + home.resolve("models/fraud/2"),
                    "QUARKUS_REDIS_HOSTS",
                    redis.uri(),
                    "INFERFN_AUTH_ENABLED",
                    "false");
            if (set != Variants.standard) {
                lambdaSet(jdk17, app.resolve("quarkus-run.jar"), app, env, work);
                if (set == Variants.lambda) {
                    return 0;
                }
            }
            App inferfn = new App(
                    "inferfn", app.resolve("quarkus-run.jar"), app.resolve("app-cds.jsa"), work.resolve("inferfn.aot"));
            App floor = new App(
                    "floor",
                    floorApp.resolve("quarkus-run.jar"),
                    floorApp.resolve("app-cds.jsa"),
                    work.resolve("floor.aot"));
            String natives = "-Donnxruntime.native.path=" + extractOrtNatives(app, work);
            Map<String, String> lazy = new HashMap<>(env);
            lazy.put("INFERFN_MODEL_STARTUP", "background");
            int jdk = Runtime.version().feature();
            List<Variant> variants = new ArrayList<>();
            variants.add(new Variant("JDK " + jdk + " plain", jdk17, List.of("-Xmx256m"), false, false, env));
            variants.add(new Variant("JDK " + jdk + " C1", jdk17, List.of("-Xmx256m", C1), false, false, env));
            variants.add(new Variant(
                    "JDK " + jdk + " C1 + ORT natives pre-extracted",
                    jdk17,
                    List.of("-Xmx256m", C1, natives),
                    false,
                    false,
                    env));
            // eager vs lazy: the models load beside the HTTP server's start instead of before it
            variants.add(new Variant(
                    "  same, models loaded in background",
                    jdk17,
                    List.of("-Xmx256m", C1, natives),
                    false,
                    false,
                    lazy));
            if (Files.exists(inferfn.cds()) && Files.exists(floor.cds())) {
                variants.add(new Variant("JDK " + jdk + " AppCDS", jdk17, List.of("-Xmx256m"), true, false, env));
                variants.add(
                        new Variant("JDK " + jdk + " AppCDS + C1", jdk17, List.of("-Xmx256m", C1), true, false, env));
            } else {
                System.out.println("AppCDS: skipped; build both archives with ./mvnw package -pl"
                        + " functions/http-predict,bench/floor -Dquarkus.package.jar.appcds.enabled=true");
            }
            if (Files.isExecutable(jdk25.resolve("bin/java"))) {
                variants.add(new Variant("JDK 25 plain", jdk25, List.of("-Xmx256m"), false, false, env));
                variants.add(new Variant("JDK 25 AOT cache", jdk25, List.of("-Xmx256m"), false, true, env));
                variants.add(new Variant("JDK 25 AOT cache + C1", jdk25, List.of("-Xmx256m", C1), false, true, env));
                variants.add(new Variant(
                        "JDK 25 AOT + C1 + ORT natives pre-extracted",
                        jdk25,
                        List.of("-Xmx256m", C1, natives),
                        false,
                        true,
                        env));
            } else {
                System.out.println("JDK 25 AOT cache: skipped; no JDK at " + jdk25 + " (--jdk25)");
            }
            if (only != null) {
                variants.removeIf(v -> !only.matcher(v.name()).find());
            }
            if (variants.stream().anyMatch(Variant::aot)) {
                for (App a : List.of(inferfn, floor)) {
                    Files.deleteIfExists(a.aot());
                    train(a, env, work);
                }
            }
            boolean node = peer && onPath("node");
            if (peer && !node) {
                System.out.println("Node.js peer: skipped; no node on PATH");
            }
            return report(variants, List.of(floor, inferfn), node, home, work, redis.uri());
        }
    }

    private static final String C1 = "-XX:TieredStopAtLevel=1";

    /** What else used the machine during this run, reported under the table. */
    private MachineLoad machine;

    /**
     * Runs the rounds, interleaved so that drift of the shared machine falls on every subject alike: in each round
     * the Node.js peer once, then for each variant the floor and then http-predict; prints and writes the table.
     */
    private int report(List<Variant> variants, List<App> apps, boolean node, Path home, Path work, String redisUri)
            throws Exception {
        Map<String, long[]> ms = new HashMap<>();
        Map<String, Long> rss = new HashMap<>();
        Map<String, String> features = new HashMap<>();
        for (int round = 0; round < runs; round++) {
            System.out.printf("round %d of %d%n", round + 1, runs);
            if (node) {
                try (FunctionProcess p = BenchHttp.startPeer(home, work, "coldstart-node", redisUri, port, List.of())) {
                    record(
                            ms,
                            rss,
                            "node",
                            round,
                            p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT, OK),
                            p);
                }
            }
            for (Variant v : variants) {
                for (App a : apps) {
                    String key = v.name() + "/" + a.name();
                    FunctionProcess p = FunctionProcess.start(
                            "coldstart-" + a.name(), v.jdk(), a.jar(), port, v.env(), work, v.args(a), List.of());
                    try (p) {
                        long took = p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT, OK);
                        record(ms, rss, key, round, took, p);
                    }
                    // read once the process has stopped: Quarkus logs the line after it starts serving
                    features.computeIfAbsent(a.name(), n -> installedFeatures(p.log()));
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        // first, not after the table: a floor without one of http-predict's extensions makes every ratio wrong
        if (!features.get("floor").equals(features.get("inferfn"))) {
            sb.append(String.format(
                    "WARNING: the floor's extensions differ from http-predict's, so the ratios to it are not"
                            + " comparable; keep bench/floor/pom.xml in step:%n- floor: %s%n- inferfn: %s%n%n",
                    features.get("floor"), features.get("inferfn")));
        }
        sb.append(String.format(
                Locale.ROOT,
                "Time to first non-degraded /predict 200 from process start, median of %d interleaved rounds"
                        + " (min–max); RSS after it (largest); ratios are medians of the per-round ratios.%n%n",
                runs));
        sb.append(String.format(
                "| variant | floor | inferfn | inferfn / floor |%s RSS floor | RSS inferfn |%n|---|---|---|---|%s---|---|%n",
                node ? " inferfn / Node |" : "", node ? "---|" : ""));
        for (Variant v : variants) {
            long[] f = ms.get(v.name() + "/floor");
            long[] i = ms.get(v.name() + "/inferfn");
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.2f× |%s %d MiB | %d MiB |%n",
                    v.name().trim(),
                    spread(f),
                    spread(i),
                    medianRatio(i, f),
                    node ? String.format(Locale.ROOT, " %.2f× |", medianRatio(i, ms.get("node"))) : "",
                    rss.get(v.name() + "/floor"),
                    rss.get(v.name() + "/inferfn")));
        }
        if (node) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%nNode.js peer (bench/node-peer, %s): %s, RSS %d MiB.%n",
                    nodeVersion(),
                    spread(ms.get("node")),
                    rss.get("node")));
        }
        sb.append('\n').append(machine.summary());
        System.out.println();
        System.out.print(sb);
        Path out = work.resolve("coldstart.md");
        Files.writeString(out, sb.toString());
        System.out.println("written to " + out);
        return 0;
    }

    /** A prediction that counts: not degraded (Redis answered in time), as a caller would want it. */
    private static final java.util.function.Predicate<String> OK = body -> body.contains("\"degraded\":false");

    private void record(
            Map<String, long[]> ms, Map<String, Long> rss, String key, int round, long took, FunctionProcess p) {
        ms.computeIfAbsent(key, k -> new long[runs])[round] = took;
        rss.merge(key, p.rssMib(), Math::max);
    }

    private static String spread(long[] ms) {
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT, "%,d ms (%,d–%,d)", sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
    }

    private static double medianRatio(long[] a, long[] b) {
        double[] r = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            r[k] = (double) a[k] / b[k];
        }
        Arrays.sort(r);
        return r[r.length / 2];
    }

    /** Quarkus' "Installed features: [...]" line of a log, or "(none logged)". */
    private static String installedFeatures(Path log) {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("Installed features:"))
                    .map(l -> l.substring(l.indexOf("Installed features:") + 20))
                    .findFirst()
                    .orElse("(none logged)");
        } catch (java.io.IOException e) {
            return "(log unreadable)";
        }
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "--version").start().waitFor() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }

    private static String nodeVersion() throws Exception {
        Process p = new ProcessBuilder("node", "--version").start();
        String v = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return "Node.js " + v;
    }

    /**
     * The configuration the Lambda zip runs with (C1 only, ORT natives shipped unpacked and
     * found through {@code LAMBDA_TASK_ROOT}), on the CPU share Lambda gives each memory size:
     * 1,769 MB is one vCPU and CPU scales linearly with memory (AWS Lambda documentation).
     */
    private void lambdaSet(Path jdk, Path jar, Path app, Map<String, String> env, Path work) throws Exception {
        CpuQuota quota = CpuQuota.create("inferfn-bench");
        if (quota == null) {
            System.out.println("lambda set: skipped; no writable cgroup cpu controller (needs root on Linux)");
            return;
        }
        Path taskRoot = extractOrtNatives(app, work).getParent();
        Map<String, String> lambdaEnv = new HashMap<>(env);
        lambdaEnv.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        List<String> flags = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        System.out.printf(
                "%-44s %8s %8s %8s %9s%n", "Lambda config (JDK 17), memory", "median", "min", "max", "RSS MiB");
        try {
            for (int mb : lambdaMemory) {
                double cpus = mb / 1769.0;
                quota.limit(cpus);
                measure(
                        String.format(Locale.ROOT, "%,d MB (%.2f vCPU)", mb, cpus),
                        jdk,
                        jar,
                        lambdaEnv,
                        work,
                        flags,
                        quota.launcher());
            }
        } finally {
            quota.close();
        }
    }

    /**
     * ORT extracts its native libraries from its jar to java.io.tmpdir at every start unless
     * {@code onnxruntime.native.path} names a directory that holds them; this prepares one.
     */
    private static Path extractOrtNatives(Path app, Path work) throws java.io.IOException {
        String platform = System.getProperty("os.arch").contains("aarch64") ? "linux-aarch64" : "linux-x64";
        Path target = work.resolve("onnxruntime");
        Files.createDirectories(target);
        Path ortJar;
        try (var jars = Files.list(app.resolve("lib/main"))) {
            ortJar = jars.filter(p -> p.getFileName().toString().contains("onnxruntime"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no ONNX Runtime jar in " + app));
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(ortJar.toFile())) {
            for (String lib : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
                java.util.zip.ZipEntry entry = zip.getEntry("ai/onnxruntime/native/" + platform + "/" + lib);
                try (var in = zip.getInputStream(entry)) {
                    Files.copy(in, target.resolve(lib), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target;
    }

    /** One training run that records the app's AOT cache at exit: start, serve some predictions, stop. */
    private void train(App app, Map<String, String> env, Path work) throws Exception {
        FunctionProcess p = FunctionProcess.start(
                "aot-training-" + app.name(),
                jdk25,
                app.jar(),
                port,
                env,
                work,
                List.of("-Xmx256m", "-XX:AOTCacheOutput=" + app.aot()),
                List.of());
        try (p) {
            p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT);
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 200; i++) {
                http.send(predict(), HttpResponse.BodyHandlers.discarding());
            }
        } // closing waits for the JVM's exit, when it writes the cache
        if (!Files.exists(app.aot())) {
            throw new IllegalStateException("the JDK 25 training run wrote no AOT cache; see " + p.log());
        }
    }

    private void measure(
            String variant,
            Path jdk,
            Path jar,
            Map<String, String> env,
            Path work,
            List<String> args,
            List<String> launcher)
            throws Exception {
        long[] ms = new long[runs];
        long rss = 0;
        for (int i = 0; i < runs; i++) {
            try (FunctionProcess p = FunctionProcess.start("coldstart", jdk, jar, port, env, work, args, launcher)) {
                ms[i] = p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT, OK);
                rss = Math.max(rss, p.rssMib());
            }
        }
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "%-44s %6d ms %5d ms %5d ms %9d%n",
                variant,
                sorted[runs / 2],
                sorted[0],
                sorted[runs - 1],
                rss);
    }

    private HttpRequest predict() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Samples.EVERYDAY.body()))
                .build();
    }
}
