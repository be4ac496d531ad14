package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server on loopback, started with nothing but a JDK: a {@code redis-server} found on
 * {@code PATH} when there is one, else the Linux/macOS binary shipped inside the
 * {@code com.github.codemonstur:embedded-redis} jar.
 *
 * <p>It keeps no data on disk (no RDB, no AOF), so a {@link #stop()} followed by {@link #start()}
 * on the same port behaves like a Redis that crashed and came back empty.
 */
public final class LocalRedis implements AutoCloseable {

    private final int port;
    private final Consumer<String> log;
    private RedisServer server;
    private Vertx vertx;
    private Redis client;

    private LocalRedis(int port, Consumer<String> log) {
        this.port = port;
        this.log = log;
    }

    /** A server for {@code port}; {@code 0} picks a free loopback port. Not started yet. */
    public static LocalRedis onPort(int port, Consumer<String> log) {
        return new LocalRedis(port == 0 ? freePort() : port, log);
    }

    /** Starts a server on a free port and waits until it accepts connections. */
    public static LocalRedis startOnFreePort() {
        LocalRedis redis = onPort(0, line -> {});
        redis.start();
        return redis;
    }

    public int port() {
        return port;
    }

    /** The URI the Quarkus Redis client takes in {@code quarkus.redis.hosts}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Where the server binary comes from, for logs: a PATH lookup or the bundled binary. */
    public static String binaryDescription() {
        Path onPath = findOnPath("redis-server");
        return onPath != null ? onPath.toString() : "redis-server bundled in com.github.codemonstur:embedded-redis";
    }

    public synchronized void start() {
        if (server != null && server.isActive()) {
            return;
        }
        try {
            Path onPath = findOnPath("redis-server");
            ExecutableProvider binary = onPath != null
                    ? onPath::toFile
                    : ExecutableProvider.newJarResourceProvider(
                            Files.createTempDirectory("inferfn-redis").toFile());
            server = RedisServer.newRedisServer()
                    .executableProvider(binary)
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("maxclients 2000")
                    .soutListener(log)
                    .serrListener(log)
                    .onShutdownForceStop(true)
                    .build();
            server.start();
            try {
                awaitListening(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                server.stop();
                server = null;
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start redis-server on port " + port + ": " + e.getMessage(), e);
        }
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop redis-server on port " + port, e);
        } finally {
            server = null;
        }
        awaitClosed(Duration.ofSeconds(10));
    }

    public synchronized boolean isRunning() {
        return server != null && server.isActive();
    }

    /**
     * Sends one command (e.g. {@code "HSET", "customer:c-1", "avg", "80"}) and returns the reply as
     * text, or null for a nil reply. For tests and tools; it waits up to 10 s.
     */
    public String command(String... args) {
        Request request = Request.cmd(Command.create(args[0]));
        for (int i = 1; i < args.length; i++) {
            request.arg(args[i]);
        }
        try {
            Response response = client().send(request)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            return response == null ? null : response.toString();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    String.join(" ", args) + " failed: " + e.getCause().getMessage(), e);
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new IllegalStateException(String.join(" ", args) + " got no answer in 10 s", e);
        }
    }

    /** {@code HSET key field value ...} */
    public void hset(String key, java.util.Map<String, String> fields) {
        List<String> args = new ArrayList<>();
        args.add("HSET");
        args.add(key);
        fields.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        command(args.toArray(String[]::new));
    }

    private synchronized Redis client() {
        if (client == null) {
            vertx = Vertx.vertx();
            client = Redis.createClient(vertx, uri());
        }
        return client;
    }

    @Override
    public void close() {
        stop();
        synchronized (this) {
            if (vertx != null) {
                client.close();
                vertx.close();
                vertx = null;
                client = null;
            }
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (accepts()) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException(
                "redis-server did not accept connections on port " + port + " within " + timeout.toSeconds() + " s");
    }

    private void awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && accepts()) {
            sleep(20);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    /** A port free on loopback right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }

    static Path findOnPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = dir.isBlank() ? null : Path.of(dir, executable);
            if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
