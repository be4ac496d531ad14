package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: a real Redis serving TLS with a fresh self-signed certificate issued for
 * the host named by the {@value #CERTIFICATE_HOST} argument (default {@code localhost}). The
 * application connects to {@code rediss://localhost:<tls port>} and trusts that certificate
 * ({@code quarkus.redis.tls.trust-certificate-pem.certs}), so a certificate issued for another
 * host differs from a good one in its host name only. Tests seed data through {@link #redis()}
 * over the server's plain port.
 */
public class TlsRedisTestResource implements QuarkusTestResourceLifecycleManager {

    /** Argument: the host name the server's certificate is issued for. */
    public static final String CERTIFICATE_HOST = "certificate-host";

    private static volatile LocalRedis redis;
    private String certificateHost = "localhost";

    /** The server the current Quarkus test application is connected to over TLS. */
    public static LocalRedis redis() {
        if (redis == null) {
            throw new IllegalStateException("TlsRedisTestResource has not started; list it in the test profile's "
                    + "testResources() or annotate the test with @QuarkusTestResource(TlsRedisTestResource.class)");
        }
        return redis;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        certificateHost = initArgs.getOrDefault(CERTIFICATE_HOST, "localhost");
    }

    @Override
    public Map<String, String> start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("inferfn-redis-tls");
        } catch (IOException e) {
            throw new UncheckedIOException("no temporary directory for the test certificate", e);
        }
        SelfSignedCertificate certificate = SelfSignedCertificate.create(certificateHost, dir);
        LocalRedis server =
                LocalRedis.onPort(0, line -> {}).withTls(certificate.certificate(), certificate.privateKey());
        server.start();
        redis = server;
        return Map.of(
                "quarkus.redis.hosts", server.tlsUri("localhost"),
                "quarkus.redis.tls.trust-certificate-pem.certs",
                        certificate.certificate().toString());
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }
}
