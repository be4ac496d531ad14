package io.inferfn.http;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Authentication on: bearer JWTs signed by a key pair made for the test (its public half in a PEM
 * file, as in production), API keys configured by their SHA-256, per-model roles.
 */
@QuarkusTest
@TestProfile(AuthTest.AuthOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class AuthTest {

    static final String ISSUER = "https://login.example.test";
    static final String AUDIENCE = "inferfn";
    static final String API_KEY = "k3y-for-the-fraud-model";
    static final String OTHER_API_KEY = "k3y-for-churn-only";
    /**
     * The issuer's private key. The profile and the test class are loaded by different class
     * loaders, so the key pair travels through a system property, not a static field.
     */
    static final String PRIVATE_KEY_PROPERTY = "inferfn.test.jwt.private-key";

    static final KeyPair OTHER_KEYS = keyPair();

    /** Auth as in production, with the test's key and two API keys. */
    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                // Quarkus may ask for the overrides more than once: one key pair and one PEM for the run
                String pemPath = System.getProperty(PRIVATE_KEY_PROPERTY + ".pem");
                if (pemPath == null) {
                    KeyPair keys = keyPair();
                    Path pem = Files.createTempFile("inferfn-jwt", ".pem");
                    pem.toFile().deleteOnExit();
                    Files.writeString(
                            pem,
                            "-----BEGIN PUBLIC KEY-----\n"
                                    + Base64.getMimeEncoder()
                                            .encodeToString(keys.getPublic().getEncoded())
                                    + "\n-----END PUBLIC KEY-----\n");
                    System.setProperty(
                            PRIVATE_KEY_PROPERTY,
                            Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded()));
                    pemPath = pem.toString();
                    System.setProperty(PRIVATE_KEY_PROPERTY + ".pem", pemPath);
                }
                Path pem = Path.of(pemPath);
                return Map.of(
                        "inferfn.auth.enabled",
                        "true",
                        "inferfn.auth.jwt.issuer",
                        ISSUER,
                        "inferfn.auth.jwt.audience",
                        AUDIENCE,
                        "inferfn.auth.jwt.public-key-location",
                        pem.toString(),
                        "inferfn.auth.api-keys.fraud-bot.sha256",
                        sha256(API_KEY),
                        "inferfn.auth.api-keys.fraud-bot.roles",
                        "model:fraud",
                        "inferfn.auth.api-keys.churn-bot.sha256",
                        sha256(OTHER_API_KEY),
                        "inferfn.auth.api-keys.churn-bot.roles",
                        "model:churn",
                        "inferfn.auth.iam.roles",
                        "model:fraud");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void noCredentialsIs401AndHealthStaysOpen() {
        isUnauthorizedSaying(post(given()), "authentication required");
        isUnauthorizedSaying(infer(given()), "authentication required");
        given().get(root + "v2/models/fraud").then().statusCode(401);
        // readiness also waits for the feature store's warm-up at start (RedisWarmUpTest)
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get(root + "q/health/ready").then().statusCode(200));
        given().get(root + "v2/health/ready").then().statusCode(200);
        given().get(root + "v2").then().statusCode(200);
    }

    @Test
    void aGoodTokenWithTheModelsRoleScores() throws Exception {
        String token = token(issuerKey(), List.of("model:fraud"), 300, AUDIENCE);
        post(given().auth().oauth2(token)).then().statusCode(200).body("model", equalTo("fraud"));
        infer(given().auth().oauth2(token)).then().statusCode(200).body("model_name", equalTo("fraud"));
        String all = token(issuerKey(), List.of("model:*"), 300, AUDIENCE);
        post(given().auth().oauth2(all)).then().statusCode(200);
    }

    @Test
    void anotherModelsRoleIs403() throws Exception {
        String token = token(issuerKey(), List.of("model:churn"), 300, AUDIENCE);
        post(given().auth().oauth2(token))
                .then()
                .statusCode(403)
                .body("error", containsString("may not use model 'fraud'"));
        infer(given().auth().oauth2(token)).then().statusCode(403);
    }

    @Test
    void expiredWronglySignedOrForeignTokensAre401() throws Exception {
        isUnauthorized(post(given().auth().oauth2(token(issuerKey(), List.of("model:fraud"), -120, AUDIENCE))));
        isUnauthorized(
                post(given().auth().oauth2(token(OTHER_KEYS.getPrivate(), List.of("model:fraud"), 300, AUDIENCE))));
        isUnauthorized(post(given().auth().oauth2(token(issuerKey(), List.of("model:fraud"), 300, "another-service"))));
        isUnauthorized(post(given().auth().oauth2("not.a.jwt")));
    }

    @Test
    void healthEndpointsAnswerWhateverCredentialsARequestCarries() {
        // readiness also waits for the feature store's warm-up at start (RedisWarmUpTest)
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get(root + "q/health/ready").then().statusCode(200));
        for (String path : List.of("q/health/live", "q/health/ready", "v2/health/live", "v2")) {
            given().auth().oauth2("x").get(root + path).then().statusCode(200);
            given().header("X-API-Key", "x").get(root + path).then().statusCode(200);
            given().header(
                            "Authorization",
                            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-west-1/lambda/aws4_request")
                    .get(root + path)
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void unsignedAndSharedSecretTokensAre401() throws Exception {
        Instant now = Instant.now();
        String claims = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"client-7\",\"groups\":"
                + "[\"model:fraud\"],\"iat\":" + now.getEpochSecond() + ",\"exp\":" + (now.getEpochSecond() + 300)
                + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String unsigned = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
        isUnauthorized(post(given().auth().oauth2(unsigned)));
        // the classic confusion: HMAC keyed with the issuer's public key, which anyone can download
        byte[] publicPem = Files.readAllBytes(Path.of(System.getProperty(PRIVATE_KEY_PROPERTY + ".pem")));
        String hs256 = Jwt.issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("client-7")
                .groups("model:fraud")
                .expiresAt(now.plusSeconds(300))
                .jws()
                .algorithm(SignatureAlgorithm.HS256)
                .sign(new SecretKeySpec(publicPem, "HmacSHA256"));
        isUnauthorized(post(given().auth().oauth2(hs256)));
    }

    @Test
    void apiKeysAreCheckedByTheirHashAndCarryRoles() {
        post(given().header("X-API-Key", API_KEY)).then().statusCode(200);
        post(given().header("X-API-Key", OTHER_API_KEY)).then().statusCode(403);
        isUnauthorizedSaying(post(given().header("X-API-Key", "wrong")), "authentication failed");
    }

    /** No credentials: Quarkus Security's challenge, a 401 with {@code WWW-Authenticate: Bearer}. */
    static void isChallenged(io.restassured.response.Response response) {
        response.then().statusCode(401).header("WWW-Authenticate", "Bearer");
    }

    /**
     * A refused bearer token: the challenge. (Quarkus sends the bearer mechanism's own challenge, without a
     * body, for a token it refused; API keys and missing credentials get a body too.)
     */
    static void isUnauthorized(io.restassured.response.Response response) {
        isChallenged(response);
    }

    /** A refused API key, or none sent: the challenge, and a body saying which credentials to send. */
    static void isUnauthorizedSaying(io.restassured.response.Response response, String what) {
        isChallenged(response);
        response.then()
                .contentType(ContentType.JSON)
                .body("error", containsString(what))
                .body(
                        "error",
                        containsString(
                                "send a valid bearer token (Authorization: Bearer <jwt>) or API key (X-API-Key)"));
    }

    private io.restassured.response.Response post(RequestSpecification spec) {
        return spec.contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict);
    }

    private io.restassured.response.Response infer(RequestSpecification spec) {
        return spec.contentType(ContentType.JSON)
                .body("{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 15], \"datatype\": \"FP32\", \"data\": "
                        + "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}")
                .post(root + "v2/models/fraud/infer");
    }

    static String token(PrivateKey key, List<String> groups, int expiresInSeconds, String audience) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER)
                .audience(audience)
                .subject("client-7")
                .groups(new HashSet<>(groups))
                .issuedAt(now)
                .expiresAt(now.plusSeconds(expiresInSeconds))
                .sign(key);
    }

    static PrivateKey issuerKey() throws Exception {
        byte[] der = Base64.getDecoder().decode(System.getProperty(PRIVATE_KEY_PROPERTY));
        return java.security.KeyFactory.getInstance("RSA")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
    }

    static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String key) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
