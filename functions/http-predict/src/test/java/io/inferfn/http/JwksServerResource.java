package io.inferfn.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.jwt.build.Jwt;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;

/**
 * Quarkus test resource: an identity provider's JWKS endpoint (the JDK's HTTP server on a free port)
 * publishing one RSA key, {@link #KID}, and the function configured to verify bearer tokens against it.
 * A test can put the provider {@link #down} (503s, counted) or {@link #stop} it altogether.
 */
public class JwksServerResource implements QuarkusTestResourceLifecycleManager {

    static final String KID = "idp-key-1";

    private static volatile KeyPair keys;
    private static volatile HttpServer server;
    private static final AtomicBoolean down = new AtomicBoolean();
    private static final AtomicInteger requestsWhileDown = new AtomicInteger();

    @Override
    public Map<String, String> start() {
        keys = AuthTest.keyPair();
        RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) keys.getPublic());
        jwk.setKeyId(KID);
        jwk.setAlgorithm("RS256");
        jwk.setUse("sig");
        byte[] jwks = new JsonWebKeySet(jwk).toJson().getBytes(StandardCharsets.UTF_8);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test JWKS server", e);
        }
        server.createContext("/.well-known/jwks.json", exchange -> {
            if (down.get()) {
                requestsWhileDown.incrementAndGet();
                respond(exchange, 503, "identity provider unavailable".getBytes(StandardCharsets.UTF_8));
            } else {
                respond(exchange, 200, jwks);
            }
        });
        server.start();
        down.set(false);
        requestsWhileDown.set(0);
        return Map.of(
                "inferfn.auth.enabled",
                "true",
                "inferfn.auth.jwt.issuer",
                AuthTest.ISSUER,
                "inferfn.auth.jwt.audience",
                AuthTest.AUDIENCE,
                "inferfn.auth.jwt.jwks-url",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json",
                // test only: fetched keys expire at once, so every token refetches the JWKS (past jose4j's 300 ms
                // reprieve) and the test need not wait out the hour of the default
                "smallrye.jwt.jwks.refresh-interval",
                "0");
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The identity provider answers 503 from now on. */
    static void down() {
        down.set(true);
    }

    /** How many times the function asked for the JWKS while it was {@link #down}. */
    static int requestsWhileDown() {
        return requestsWhileDown.get();
    }

    /** The identity provider is gone: connections are refused. */
    static void stopServer() {
        server.stop(0);
    }

    /** A token for {@code groups}, signed with the published key and naming {@code kid}. */
    static String token(List<String> groups) {
        return token(groups, KID, keys);
    }

    static String token(List<String> groups, String kid, KeyPair signer) {
        Instant now = Instant.now();
        return Jwt.issuer(AuthTest.ISSUER)
                .audience(AuthTest.AUDIENCE)
                .subject("client-7")
                .groups(Set.copyOf(groups))
                .issuedAt(now)
                .expiresAt(now.plusSeconds(300))
                .jws()
                .keyId(kid)
                .sign(signer.getPrivate());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }
}
