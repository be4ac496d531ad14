package io.inferfn.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * Time to first prediction: from process start to the first successful {@code /predict} (model
 * loaded and verified, Redis connected), N runs per JVM variant, with the RSS after it.
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

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path app = home.resolve("functions/http-predict/target/quarkus-app");
        Path jar = app.resolve("quarkus-run.jar");
        Path cds = app.resolve("app-cds.jsa");
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        Path jdk17 = Path.of(System.getProperty("java.home"));
        try (LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
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
                lambdaSet(jdk17, jar, app, env, work);
                if (set == Variants.lambda) {
                    return 0;
                }
            }
            List<String> base = List.of("-Xmx256m");
            List<String> c1 = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
            System.out.printf("time to first successful /predict, %d runs each (%s)%n", runs, jar);
            System.out.printf("%-44s %8s %8s %8s %9s%n", "variant", "median", "min", "max", "RSS MiB");
            measure("JDK " + Runtime.version().feature() + " plain", jdk17, jar, env, work, base);
            measure("JDK " + Runtime.version().feature() + " -XX:TieredStopAtLevel=1", jdk17, jar, env, work, c1);
            String natives = "-Donnxruntime.native.path=" + extractOrtNatives(app, work);
            List<String> c1Natives = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", natives);
            measure("JDK 17 C1 + ORT natives pre-extracted", jdk17, jar, env, work, c1Natives);
            // eager vs lazy: the models load beside the HTTP server's start instead of before it
            Map<String, String> lazy = new HashMap<>(env);
            lazy.put("INFERFN_MODEL_STARTUP", "background");
            measure("  same, models loaded in background", jdk17, jar, lazy, work, c1Natives);
            if (Files.exists(cds)) {
                String archive = "-XX:SharedArchiveFile=" + cds;
                measure("JDK 17 AppCDS", jdk17, jar, env, work, List.of("-Xmx256m", archive));
                measure(
                        "JDK 17 AppCDS + TieredStopAtLevel=1",
                        jdk17,
                        jar,
                        env,
                        work,
                        List.of("-Xmx256m", archive, "-XX:TieredStopAtLevel=1"));
            } else {
                System.out.println("AppCDS: skipped; build with ./mvnw package -pl functions/http-predict"
                        + " -Dquarkus.package.jar.appcds.enabled=true");
            }
            if (Files.isExecutable(jdk25.resolve("bin/java"))) {
                Path aot = work.resolve("app.aot");
                Files.deleteIfExists(aot);
                train(jdk25, jar, env, work, aot);
                measure("JDK 25 plain", jdk25, jar, env, work, base);
                measure("JDK 25 AOT cache", jdk25, jar, env, work, List.of("-Xmx256m", "-XX:AOTCache=" + aot));
                measure(
                        "JDK 25 AOT cache + TieredStopAtLevel=1",
                        jdk25,
                        jar,
                        env,
                        work,
                        List.of("-Xmx256m", "-XX:AOTCache=" + aot, "-XX:TieredStopAtLevel=1"));
                measure(
                        "JDK 25 AOT + C1 + ORT natives pre-extracted",
                        jdk25,
                        jar,
                        env,
                        work,
                        List.of("-Xmx256m", "-XX:AOTCache=" + aot, "-XX:TieredStopAtLevel=1", natives));
            } else {
                System.out.println("JDK 25 AOT cache: skipped; no JDK at " + jdk25 + " (--jdk25)");
            }
        }
        return 0;
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

    /** One training run that records the AOT cache at exit: start, serve some predictions, stop. */
    private void train(Path jdk, Path jar, Map<String, String> env, Path work, Path aot) throws Exception {
        FunctionProcess p = FunctionProcess.start(
                "aot-training", jdk, jar, port, env, work, List.of("-Xmx256m", "-XX:AOTCacheOutput=" + aot), List.of());
        try (p) {
            p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT);
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 200; i++) {
                http.send(predict(), HttpResponse.BodyHandlers.discarding());
            }
        } // closing waits for the JVM's exit, when it writes the cache
        if (!Files.exists(aot)) {
            throw new IllegalStateException("the JDK 25 training run wrote no AOT cache; see " + p.log());
        }
    }

    private void measure(String variant, Path jdk, Path jar, Map<String, String> env, Path work, List<String> args)
            throws Exception {
        measure(variant, jdk, jar, env, work, args, List.of());
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
                ms[i] = p.awaitFirstSuccess(predict(), FunctionProcess.READY_TIMEOUT);
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
