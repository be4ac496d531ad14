package io.inferfn.cli;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A function started as its own JVM process from its Quarkus fast-jar, with its log in a file. */
final class FunctionProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedNanos;

    private FunctionProcess(String name, Process process, Path log, long startedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    static FunctionProcess start(String name, Path jar, Map<String, String> env, Path logDir, List<String> jvmArgs)
            throws IOException {
        return start(name, Path.of(System.getProperty("java.home")), jar, env, logDir, jvmArgs);
    }

    /** Starts the function with the JDK at {@code javaHome}. */
    static FunctionProcess start(
            String name, Path javaHome, Path jar, Map<String, String> env, Path logDir, List<String> jvmArgs)
            throws IOException {
        return start(name, javaHome, jar, env, logDir, jvmArgs, List.of());
    }

    /** Starts the function through {@code launcher} (a command prefix that execs its arguments). */
    static FunctionProcess start(
            String name,
            Path javaHome,
            Path jar,
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
        String java = javaHome.resolve("bin").resolve("java").toString();
        List<String> command = new java.util.ArrayList<>(launcher);
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        long started = System.nanoTime();
        return new FunctionProcess(name, builder.start(), log, started);
    }

    /**
     * Polls {@code request} until it answers 200 and returns the milliseconds from process start to
     * that first success: the time to first prediction.
     */
    long awaitFirstSuccess(HttpClient http, HttpRequest request, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " during start;"
                        + " its log: " + log + "\n" + tail());
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return (System.nanoTime() - startedNanos) / 1_000_000;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException(
                name + " did not answer within " + timeout.toSeconds() + " s; its log: " + log + "\n" + tail());
    }

    /** Resident set size of the process in MiB, from /proc (Linux), or -1 where unavailable. */
    long rssMib() {
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

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    /** Asks the process to stop (SIGTERM) and waits for it, so that exit-time work (an AOT cache) completes. */
    void stopAndWait() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
