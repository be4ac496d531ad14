package io.inferfn.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A function started as its own JVM process from its Quarkus fast-jar on a given HTTP port, with
 * its log in a file: the one way the demo, the benches and the process-level tests start, await,
 * stop and kill a function. It listens on loopback only ({@code QUARKUS_HTTP_HOST=127.0.0.1})
 * unless the environment passed in names another address.
 */
public final class FunctionProcess implements AutoCloseable {

    /** How long a function may take from process start to ready (model loaded, stores connected). */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** The address a function listens on unless {@code QUARKUS_HTTP_HOST} says otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String host;
    private final int port;
    private final Process process;
    private final Path log;
    private final long startedNanos;
    /**
     * Stops the process when this JVM exits without {@link #close()}: a benchmark stopped with Ctrl-C, or one that
     * died of an error, must not leave a function running on its port (the next run's function then cannot start).
     */
    private final Thread stopAtExit;

    private FunctionProcess(String name, String host, int port, Process process, Path log, long startedNanos) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        this.stopAtExit = new Thread(() -> stop(5), "stop " + name + " at exit");
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /**
     * Starts the function with this JDK and waits until {@code /q/health/ready} answers 200; stops
     * it again when it does not within {@link #READY_TIMEOUT}.
     */
    public static FunctionProcess startReady(
            String name, Path jar, int port, Map<String, String> env, Path logDir, List<String> jvmArgs)
            throws IOException, InterruptedException {
        return startReady(name, jar, port, env, logDir, jvmArgs, List.of());
    }

    /** As {@link #startReady(String, Path, int, Map, Path, List)}, through {@code launcher} (e.g. taskset). */
    public static FunctionProcess startReady(
            String name,
            Path jar,
            int port,
            Map<String, String> env,
            Path logDir,
            List<String> jvmArgs,
            List<String> launcher)
            throws IOException, InterruptedException {
        FunctionProcess fn =
                start(name, Path.of(System.getProperty("java.home")), jar, port, env, logDir, jvmArgs, launcher);
        try {
            fn.awaitReady();
            return fn;
        } catch (RuntimeException | InterruptedException e) {
            fn.close();
            throw e;
        }
    }

    /** Starts the function with this JDK; it listens on {@code port}. Await it before use. */
    public static FunctionProcess start(
            String name, Path jar, int port, Map<String, String> env, Path logDir, List<String> jvmArgs)
            throws IOException {
        return start(name, Path.of(System.getProperty("java.home")), jar, port, env, logDir, jvmArgs, List.of());
    }

    /**
     * Starts the function with the JDK at {@code javaHome} through {@code launcher} (a command
     * prefix that execs its arguments, or none); its output, both streams, goes to
     * {@code <logDir>/<name>.log}.
     */
    public static FunctionProcess start(
            String name,
            Path javaHome,
            Path jar,
            int port,
            Map<String, String> env,
            Path logDir,
            List<String> jvmArgs,
            List<String> launcher)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; build it with ./mvnw package -DskipTests");
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>(launcher);
        command.add(javaHome.resolve("bin").resolve("java").toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = new HashMap<>(env);
        environment.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // Quarkus listens on every interface by default; a function started here is for this machine unless asked
        String host = environment.computeIfAbsent("QUARKUS_HTTP_HOST", h -> DEFAULT_HOST);
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        return new FunctionProcess(name, host, port, builder.start(), log, started);
    }

    /**
     * Starts any server command (e.g. a peer written in another language) as a process like a
     * function: in {@code workDir}, with {@code env} added, its output in {@code <logDir>/<name>.log};
     * it must listen on {@code 127.0.0.1:port} and answer {@code GET /q/health/ready} when ready.
     */
    public static FunctionProcess startCommand(
            String name, List<String> command, Path workDir, int port, Map<String, String> env, Path logDir)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        long started = System.nanoTime();
        return new FunctionProcess(name, DEFAULT_HOST, port, builder.start(), log, started);
    }

    /** Polls {@code GET /q/health/ready} until it answers 200, within {@link #READY_TIMEOUT}. */
    public void awaitReady() throws InterruptedException {
        awaitFirstSuccess(HttpRequest.newBuilder(uri("/q/health/ready")).build(), READY_TIMEOUT);
    }

    /**
     * {@code path} on the function: on loopback when it listens on every interface ({@code 0.0.0.0},
     * {@code ::}), else on the address it listens on.
     */
    public URI uri(String path) {
        String to = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return URI.create("http://" + (to.contains(":") ? "[" + to + "]" : to) + ":" + port + path);
    }

    /** The address the function listens on. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the process without letting it stop (SIGKILL on Linux): no shutdown hook, no final
     * commit, no flush; returns once it is gone.
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * Polls {@code request} until it answers 200 and returns the milliseconds from process start to
     * that first success: with a {@code /predict} request, the time to first prediction.
     *
     * @throws IllegalStateException when the process exits first or {@code timeout} passes; the
     *     message names the log and holds its last lines
     */
    public long awaitFirstSuccess(HttpRequest request, Duration timeout) throws InterruptedException {
        return awaitFirstSuccess(request, timeout, body -> true);
    }

    /**
     * As {@link #awaitFirstSuccess(HttpRequest, Duration)}, counting only a 200 whose body {@code accept} takes: a
     * prediction that is not degraded, say.
     */
    public long awaitFirstSuccess(HttpRequest request, Duration timeout, Predicate<String> accept)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " during start;"
                        + " its log: " + log + "\n" + tail());
            }
            Future<HttpResponse<String>> answer = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                HttpResponse<String> response =
                        answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (response.statusCode() == 200 && accept.test(response.body())) {
                    return (System.nanoTime() - startedNanos) / 1_000_000;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (ExecutionException notListeningYet) {
                // keep polling
            } catch (TimeoutException e) {
                answer.cancel(true);
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException(name + " did not answer " + request.method() + " "
                + request.uri().getPath() + " with 200 within " + timeout.toSeconds() + " s (last: " + last
                + "); its log: " + log + "\n" + tail());
    }

    /** Resident set size of the process in MiB, from /proc (Linux), or -1 where unavailable. */
    public long rssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Asks the process to stop (SIGTERM) and waits up to 30 s for it, so that exit-time work (a JDK
     * 25 AOT cache) completes; kills it after that.
     */
    @Override
    public void close() {
        stop(30);
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException e) {
            // closed while the JVM shuts down: the hook runs (and finds the process gone)
        }
    }

    private void stop(int seconds) {
        process.destroy();
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
