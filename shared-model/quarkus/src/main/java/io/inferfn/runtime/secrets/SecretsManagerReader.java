package io.inferfn.runtime.secrets;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * Reads secret strings with Secrets Manager's {@code GetSecretValue} API: one HTTPS POST per
 * secret (per ARN: the keys of one JSON secret share the call), signed (SigV4) by the AWS SDK's own signer with the SDK's default credentials chain (on
 * Lambda, the function role; with SnapStart, the container credentials endpoint).
 *
 * <p>Why not the SDK's {@code SecretsManagerClient}: every function already ships the SDK core,
 * signer and credentials chain (for S3 models), but the client and its JSON protocol would add
 * jars to event-score's zip, which is at Lambda's 50 MB limit; the API call itself is one JSON
 * request. Why not the Parameters and Secrets Lambda extension: it answers during the invoke phase
 * only, and the secrets are needed while Quarkus starts, in the init phase.
 */
final class SecretsManagerReader {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Optional<URI> endpoint;
    private final AwsCredentialsProvider credentials;
    private final HttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final JsonNodeParser json = JsonNodeParser.create();
    /** Secret strings by ARN: several properties from keys of one secret cost one GetSecretValue call. */
    private final Map<String, String> read = new java.util.HashMap<>();

    /**
     * @param endpoint another Secrets Manager API (tests, a proxy); empty: the AWS endpoint of the
     *     secret's region and partition
     */
    SecretsManagerReader(Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /**
     * The value for {@code reference}: the secret string, or one key of it when it is JSON.
     *
     * @throws SecretUnreadableException saying why (denied, missing, unreachable, not JSON, no such key)
     */
    String read(SecretReference reference) {
        String secretString = read.get(reference.arn());
        if (secretString == null) {
            secretString = secretString(reference);
            read.put(reference.arn(), secretString);
        }
        if (reference.jsonKey().isEmpty()) {
            return secretString;
        }
        String key = reference.jsonKey().get();
        JsonNode document;
        try {
            document = json.parse(secretString);
        } catch (RuntimeException e) {
            throw new SecretUnreadableException(reference, "the secret is not JSON, so it has no key '" + key + "'");
        }
        if (!document.isObject()) {
            throw new SecretUnreadableException(
                    reference, "the secret is not a JSON object, so it has no key '" + key + "'");
        }
        JsonNode value = document.asObject().get(key);
        if (value == null || !(value.isString() || value.isNumber())) {
            throw new SecretUnreadableException(
                    reference,
                    "the JSON secret has no string value under '" + key + "' (its keys: "
                            + document.asObject().keySet() + ")");
        }
        return value.isString() ? value.asString() : value.asNumber();
    }

    private String secretString(SecretReference reference) {
        String region = reference.region();
        URI uri = endpoint.orElseGet(() -> URI.create("https://secretsmanager." + region + "."
                + PartitionMetadata.of(Region.of(region)).dnsSuffix() + "/"));
        String body = "{\"SecretId\":\"" + reference.arn() + "\"}"; // the ARN's characters need no JSON escaping
        SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(uri)
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "secretsmanager.GetSecretValue")
                .build();
        SdkHttpRequest signed;
        try {
            signed = signer.sign(r -> r.identity(credentials.resolveCredentials())
                            .request(unsigned)
                            .payload(ContentStreamProvider.fromUtf8String(body))
                            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "secretsmanager")
                            .putProperty(AwsV4HttpSigner.REGION_NAME, region))
                    .request();
        } catch (RuntimeException e) {
            throw new SecretUnreadableException(reference, "no AWS credentials to sign the request: " + e.getMessage());
        }
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(body));
        for (Map.Entry<String, List<String>> header : signed.headers().entrySet()) {
            if (!header.getKey().equalsIgnoreCase("Host")) { // the JDK client sends the same Host itself
                header.getValue().forEach(v -> request.header(header.getKey(), v));
            }
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SecretUnreadableException(
                    reference, "Secrets Manager at " + uri + " could not be reached: " + e + networkHint());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SecretUnreadableException(reference, "interrupted while reading it");
        }
        JsonNode answer;
        try {
            answer = json.parse(response.body());
        } catch (RuntimeException e) {
            throw new SecretUnreadableException(
                    reference,
                    "Secrets Manager answered HTTP " + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() != 200) {
            throw new SecretUnreadableException(
                    reference, "Secrets Manager answered HTTP " + response.statusCode() + " " + error(answer));
        }
        JsonNode secretString = answer.isObject() ? answer.asObject().get("SecretString") : null;
        if (secretString == null || !secretString.isString()) {
            throw new SecretUnreadableException(
                    reference, "the secret holds no SecretString (a binary secret is not supported)");
        }
        return secretString.asString();
    }

    /** {@code AccessDeniedException: User ... is not authorized ...}, from the API's error body. */
    private static String error(JsonNode answer) {
        if (!answer.isObject()) {
            return "";
        }
        Map<String, JsonNode> fields = answer.asObject();
        String type = Optional.ofNullable(fields.get("__type"))
                .filter(JsonNode::isString)
                .map(JsonNode::asString)
                .map(t -> t.substring(t.lastIndexOf('#') + 1))
                .orElse("error");
        String message = Optional.ofNullable(fields.get("message"))
                .or(() -> Optional.ofNullable(fields.get("Message")))
                .filter(JsonNode::isString)
                .map(JsonNode::asString)
                .orElse("");
        return type + (message.isEmpty() ? "" : ": " + message);
    }

    private String networkHint() {
        return endpoint.isPresent()
                ? ""
                : " (a function in a VPC needs a secretsmanager interface endpoint or a NAT gateway to reach it)";
    }
}
