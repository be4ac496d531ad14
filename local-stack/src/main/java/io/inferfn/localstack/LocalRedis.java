package io.inferfn.localstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real Redis server on loopback, started with nothing but a JDK: a {@code redis-server} found on
 * {@code PATH} when there is one, else the Linux/macOS binary shipped inside the
 * {@code com.github.codemonstur:embedded-redis} jar.
 *
 * <p>Every supported version (6.2 and later; the bundled binary is 6.2) is started to behave the
 * same: the binary's {@code --version} is read first, and options only some versions know are
 * passed to those that know them (7.0 refuses {@code DEBUG} unless started with
 * {@code enable-debug-command}, which 6.x does not accept).
 *
 * <p>It keeps no data on disk (no RDB, no AOF), so a {@link #stop()} followed by {@link #start()}
 * on the same port behaves like a Redis that crashed and came back empty.
 *
 * <p>{@link #withTls} adds a TLS port beside the plain one ({@code tls-port}, as ElastiCache's
 * in-transit encryption serves it): clients under test connect with {@code rediss://} to
 * {@link #tlsUri}, while {@link #command} seeds data over the plain port. Debian's 7.x and the
 * linux-amd64 binary bundled in embedded-redis (linked against the system's {@code libssl.so.3},
 * which it needs to start at all) are both built with TLS.
 *
 * <p>The system property {@code inferfn.redis-server} picks the binary instead of the PATH lookup:
 * {@code bundled} for the one in the jar, or a path.
 */
public final class LocalRedis implements AutoCloseable {

    private final int port;
    private final Consumer<String> log;
    private Tls tls;
    private RedisServer server;
    private Version version;
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

    /** The TLS listener: a certificate and its key, in PEM files, served on its own port. */
    private record Tls(Path certificate, Path privateKey, int port) {}

    /**
     * Serves TLS too, on a second free port, with this certificate chain and private key (PEM files,
     * e.g. from {@link SelfSignedCertificate}); clients are not asked for certificates. Call before
     * {@link #start()}.
     */
    public synchronized LocalRedis withTls(Path certificatePem, Path privateKeyPem) {
        tls = new Tls(certificatePem.toAbsolutePath(), privateKeyPem.toAbsolutePath(), freePort());
        return this;
    }

    /** The TLS port; only after {@link #withTls}. */
    public synchronized int tlsPort() {
        if (tls == null) {
            throw new IllegalStateException("redis-server on port " + port + " serves no TLS; call withTls first");
        }
        return tls.port();
    }

    /**
     * {@code rediss://<host>:<tls port>} for {@code quarkus.redis.hosts}; {@code host} is what the
     * client connects to and checks the certificate against ({@code localhost} reaches the server).
     */
    public String tlsUri(String host) {
        return "rediss://" + host + ":" + tlsPort();
    }

    /** The URI the Quarkus Redis client takes in {@code quarkus.redis.hosts}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Where the server binary comes from, for logs: a PATH lookup or the bundled binary. */
    public static String binaryDescription() {
        Path chosen = chosenBinary();
        return chosen != null ? chosen.toString() : "redis-server bundled in com.github.codemonstur:embedded-redis";
    }

    /** The binary to run, or null for the bundled one: {@code inferfn.redis-server}, else PATH. */
    private static Path chosenBinary() {
        String property = System.getProperty("inferfn.redis-server");
        if (property == null || property.isBlank()) {
            return findOnPath("redis-server");
        }
        return "bundled".equals(property) ? null : Path.of(property);
    }

    public synchronized void start() {
        if (server != null && server.isActive()) {
            return;
        }
        try {
            Path chosen = chosenBinary();
            File binary = chosen != null
                    ? chosen.toFile()
                    : ExecutableProvider.newJarResourceProvider(
                                    Files.createTempDirectory("inferfn-redis").toFile())
                            .get();
            version = Version.of(binary.toPath());
            log.accept("redis-server " + version + " from " + binary);
            RedisServerBuilder builder = RedisServer.newRedisServer()
                    .executableProvider(() -> binary)
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("maxclients 2000")
                    // 7.0 blocks DEBUG (and MODULE) by default; 6.x knows no such option and would not start
                    .settingIf(version.atLeast(7, 0), "enable-debug-command yes")
                    .soutListener(log)
                    .serrListener(log)
                    .onShutdownForceStop(true);
            if (tls != null) {
                builder.setting("tls-port " + tls.port())
                        .setting("tls-cert-file " + quoted(tls.certificate()))
                        .setting("tls-key-file " + quoted(tls.privateKey()))
                        // redis-server wants a CA even when it asks clients for no certificate
                        .setting("tls-ca-cert-file " + quoted(tls.certificate()))
                        .setting("tls-auth-clients no");
            }
            server = builder.build();
            server.start();
            try {
                awaitListening(port, Duration.ofSeconds(10));
                if (tls != null) {
                    awaitListening(tls.port(), Duration.ofSeconds(10));
                }
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

    /** The version of the running (or last started) server binary, from its {@code --version}. */
    public synchronized Version version() {
        if (version == null) {
            throw new IllegalStateException("redis-server on port " + port + " has not been started");
        }
        return version;
    }

    /**
     * Stalls the server for {@code duration}: {@code CLIENT PAUSE <ms> ALL}, after which no client's
     * command is answered until the pause ends (the connections stay open, as with a Redis stuck on
     * a slow command or a saturated host). The pause is in effect when this returns: Redis answers
     * {@code CLIENT PAUSE} only once it has started. Use {@link #stallProbe()} to observe it.
     */
    public void pause(Duration duration) {
        String reply = command("CLIENT", "PAUSE", Long.toString(duration.toMillis()), "ALL");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("CLIENT PAUSE answered " + reply + " instead of OK");
        }
    }

    /**
     * A probe on its own connection that has sent {@code PING}: while the server is stalled the
     * probe stays {@link StallProbe#unanswered() unanswered}, and {@link StallProbe#awaitAnswer}
     * waits for the stall to end.
     */
    public StallProbe stallProbe() {
        return new StallProbe(port);
    }

    /** One {@code PING} on a plain socket, whose answer shows whether Redis serves commands again. */
    public static final class StallProbe implements AutoCloseable {

        private final Socket socket;

        private StallProbe(int port) {
            try {
                socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException("could not open a probe connection to redis on port " + port, e);
            }
        }

        /** True while Redis has not answered the probe's PING (nothing is readable on its connection). */
        public boolean unanswered() {
            try {
                return socket.getInputStream().available() == 0;
            } catch (IOException e) {
                throw new UncheckedIOException("probe connection to redis failed", e);
            }
        }

        /** Waits (up to {@code max}) for the PING's answer, i.e. for the stall to end. */
        public void awaitAnswer(Duration max) {
            try {
                socket.setSoTimeout((int) max.toMillis());
                byte[] pong = socket.getInputStream().readNBytes(7);
                String answer = new String(pong, StandardCharsets.US_ASCII);
                if (!"+PONG\r\n".equals(answer)) {
                    throw new IllegalStateException("probe expected +PONG from redis, got '" + answer.strip() + "'");
                }
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("redis was still stalled after " + max.toMillis() + " ms", e);
            } catch (IOException e) {
                throw new UncheckedIOException("probe connection to redis failed", e);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to release beyond the socket
            }
        }
    }

    /** A {@code redis-server} version, as its {@code --version} prints it ({@code v=7.0.15}). */
    public record Version(int major, int minor, int patch) {

        private static final Pattern PRINTED = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

        /** Runs {@code binary --version} and reads it. */
        static Version of(Path binary) throws IOException {
            Process process = new ProcessBuilder(binary.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String printed;
            try (var out = process.getInputStream()) {
                printed = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(binary + " --version did not finish within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + binary + " --version", e);
            }
            return parse(printed, binary);
        }

        static Version parse(String printed, Path binary) {
            Matcher m = PRINTED.matcher(printed);
            if (!m.find()) {
                throw new IllegalStateException(binary + " --version printed '" + printed
                        + "'; expected 'Redis server v=<major>.<minor>.<patch> ...'");
            }
            Version v = new Version(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            if (!v.atLeast(6, 2)) {
                throw new IllegalStateException(binary + " is Redis " + v
                        + "; the tests need 6.2 or later (CLIENT PAUSE ... ALL). Take it off PATH to use the"
                        + " redis-server bundled in com.github.codemonstur:embedded-redis");
            }
            return v;
        }

        public boolean atLeast(int major, int minor) {
            return this.major > major || (this.major == major && this.minor >= minor);
        }

        @Override
        public String toString() {
            return major + "." + minor + "." + patch;
        }
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

    private void awaitListening(int listening, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (accepts(listening)) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException(
                "redis-server did not accept connections on port " + listening + " within " + timeout.toSeconds() + " s"
                        + (listening == port ? "" : " (its TLS port; see its log for the reason)"));
    }

    private static String quoted(Path file) {
        return "\"" + file.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && accepts(port)) {
            sleep(20);
        }
    }

    private static boolean accepts(int listening) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", listening), 200);
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
