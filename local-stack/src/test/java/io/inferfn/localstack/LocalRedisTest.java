package io.inferfn.localstack;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Redis the tests start behaves the same whichever binary serves it: a {@code redis-server} on
 * PATH (Debian's 7.x, a 6.2) or the one bundled in embedded-redis (6.2).
 */
class LocalRedisTest {

    @Test
    void debugCommandsWorkOnEverySupportedVersion() {
        try (LocalRedis redis = LocalRedis.startOnFreePort()) {
            System.out.println("redis-server " + redis.version() + " from " + LocalRedis.binaryDescription());
            assertThat(redis.version().atLeast(6, 2)).isTrue();
            // 7.x refuses DEBUG unless started with enable-debug-command
            assertThat(redis.command("DEBUG", "SLEEP", "0")).isEqualTo("OK");
        }
    }

    @Test
    void aPausedServerAnswersNothingUntilThePauseEnds() {
        try (LocalRedis redis = LocalRedis.startOnFreePort()) {
            redis.command("SET", "k", "v");
            redis.pause(Duration.ofMillis(1500));
            try (LocalRedis.StallProbe probe = redis.stallProbe()) {
                sleep(300);
                assertThat(probe.unanswered()).as("no answer while paused").isTrue();
                probe.awaitAnswer(Duration.ofSeconds(10));
            }
            assertThat(redis.command("GET", "k")).isEqualTo("v");
            try (LocalRedis.StallProbe probe = redis.stallProbe()) {
                probe.awaitAnswer(Duration.ofSeconds(2)); // not paused: answered at once
            }
        }
    }

    @Test
    void versionsAreReadFromTheBinarysOwnOutput() {
        Path bin = Path.of("redis-server");
        assertThat(LocalRedis.Version.parse(
                        "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1", bin))
                .isEqualTo(new LocalRedis.Version(7, 0, 15));
        assertThat(LocalRedis.Version.parse("Redis server v=6.2.11 sha=00000000:0", bin)
                        .atLeast(7, 0))
                .isFalse();
        assertThatThrownBy(() -> LocalRedis.Version.parse("Redis server v=5.0.14 sha=0", bin))
                .hasMessageContaining("need 6.2 or later");
        assertThatThrownBy(() -> LocalRedis.Version.parse("KeyDB", bin))
                .hasMessageContaining("expected 'Redis server v=");
    }

    @Test
    void theTlsPortAnswersOverTlsWithTheGivenCertificate(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost", dir);
        try (LocalRedis redis =
                LocalRedis.onPort(0, line -> {}).withTls(certificate.certificate(), certificate.privateKey())) {
            redis.start();
            redis.command("SET", "k", "v"); // over the plain port
            assertThat(overTls(redis.tlsPort(), certificate, "GET k")).isEqualTo("$1\r\nv\r\n");
            assertThat(redis.tlsUri("localhost")).isEqualTo("rediss://localhost:" + redis.tlsPort());
        }
    }

    /** CI machines have only a JDK: the binary in the embedded-redis jar must serve TLS as well. */
    @Test
    void theBundledBinaryServesTlsToo(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost", dir);
        String before = System.getProperty("inferfn.redis-server");
        System.setProperty("inferfn.redis-server", "bundled");
        try (LocalRedis redis =
                LocalRedis.onPort(0, line -> {}).withTls(certificate.certificate(), certificate.privateKey())) {
            redis.start();
            assertThat(overTls(redis.tlsPort(), certificate, "PING")).isEqualTo("+PONG\r\n");
        } finally {
            if (before == null) {
                System.clearProperty("inferfn.redis-server");
            } else {
                System.setProperty("inferfn.redis-server", before);
            }
        }
    }

    /** One command over TLS to localhost, trusting only {@code certificate} and checking the host name. */
    private static String overTls(int port, SelfSignedCertificate certificate, String command) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(certificate.certificate())) {
            trust.setCertificateEntry(
                    "redis", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] buffer = new byte[64];
            int read = socket.getInputStream().read(buffer);
            return new String(buffer, 0, read, StandardCharsets.US_ASCII);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
