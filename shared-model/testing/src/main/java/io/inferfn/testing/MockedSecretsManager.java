package io.inferfn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A MOCK of AWS Secrets Manager's {@code GetSecretValue} API (not AWS): an HTTP server on loopback
 * answering as the real JSON API does (target header {@code secretsmanager.GetSecretValue}, body
 * {@code {"SecretId": ...}}, answer {@code {"ARN", "Name", "SecretString"}}, errors as
 * {@code {"__type", "message"}} with HTTP 400). It checks that each request is SigV4-signed for the
 * {@code secretsmanager} service, not the signature itself. Secrets are held in memory.
 */
public final class MockedSecretsManager implements AutoCloseable {

    private static final Pattern SECRET_ID = Pattern.compile("\"SecretId\"\\s*:\\s*\"([^\"]+)\"");

    /** One request as received. */
    public record Received(String target, String authorization, String secretId) {}

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final Map<String, String> denied = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private MockedSecretsManager(HttpServer server) {
        this.server = server;
    }

    /** Starts on a free loopback port. */
    public static MockedSecretsManager start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            MockedSecretsManager mock = new MockedSecretsManager(server);
            server.createContext("/", mock::handle);
            server.start();
            return mock;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the mocked Secrets Manager", e);
        }
    }

    /** The API's address, for {@code inferfn.secrets.endpoint}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Stores {@code secretString} under {@code arn}. */
    public MockedSecretsManager put(String arn, String secretString) {
        secrets.put(arn, secretString);
        return this;
    }

    /** Answers {@code AccessDeniedException} for {@code arn}, as AWS does when the role may not read it. */
    public MockedSecretsManager deny(String arn) {
        denied.put(arn, arn);
        return this;
    }

    /** Every request received, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher id = SECRET_ID.matcher(body);
            String secretId = id.find() ? id.group(1) : null;
            received.add(new Received(target, authorization, secretId));
            if (!"POST".equals(exchange.getRequestMethod())
                    || !"secretsmanager.GetSecretValue".equals(target)
                    || secretId == null) {
                error(exchange, "InvalidRequestException", "this mock answers GetSecretValue only");
            } else if (authorization == null
                    || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=")
                    || !authorization.contains("/secretsmanager/aws4_request")) {
                error(exchange, "IncompleteSignature", "the request must be SigV4-signed for secretsmanager");
            } else if (denied.containsKey(secretId)) {
                error(
                        exchange,
                        "AccessDeniedException",
                        "User: arn:aws:sts::123456789012:assumed-role/test-exec/test is not authorized to perform:"
                                + " secretsmanager:GetSecretValue on resource: " + secretId
                                + " because no identity-based policy allows the secretsmanager:GetSecretValue action");
            } else if (!secrets.containsKey(secretId)) {
                error(exchange, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            } else {
                String name = secretId.substring(secretId.indexOf(":secret:") + ":secret:".length());
                respond(
                        exchange,
                        200,
                        "{\"ARN\":" + quote(secretId) + ",\"Name\":" + quote(name) + ",\"SecretString\":"
                                + quote(secrets.get(secretId)) + ",\"VersionId\":\"v1\",\"VersionStages\":"
                                + "[\"AWSCURRENT\"],\"CreatedDate\":1.7645e9}");
            }
        }
    }

    private static void error(HttpExchange exchange, String type, String message) throws IOException {
        respond(exchange, 400, "{\"__type\":" + quote(type) + ",\"message\":" + quote(message) + "}");
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
