package io.inferfn.localstack;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A function started by a benchmark does not outlive the benchmark's JVM. */
class FunctionProcessTest {

    /** Starts a long-running command as a function, prints its pid, and exits without closing it. */
    public static final class ExitsWithoutClosing {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            FunctionProcess fn = FunctionProcess.startCommand(
                    "sleeper", List.of("sleep", "300"), dir, LocalRedis.freePort(), Map.of(), dir);
            System.out.println(fn.pid());
            System.out.flush();
            System.exit(0); // as an uncaught error or Ctrl-C would: no close()
        }
    }

    @Test
    void aFunctionIsStoppedWhenTheJvmThatStartedItExitsWithoutClosingIt() throws Exception {
        Path dir = Files.createTempDirectory("function-process-test");
        Process jvm = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ExitsWithoutClosing.class.getName(),
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        long pid;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            pid = Long.parseLong(out.readLine().trim());
        }
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
        ProcessHandle sleeper = ProcessHandle.of(pid).orElse(null);
        try {
            if (sleeper != null) {
                try {
                    sleeper.onExit().get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // still running: the assertion below says so
                }
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the function (pid %d) after its JVM exited", pid)
                    .isFalse();
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
