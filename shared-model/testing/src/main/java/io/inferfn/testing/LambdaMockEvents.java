package io.inferfn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import org.eclipse.microprofile.config.ConfigProvider;

import static io.restassured.RestAssured.given;

/**
 * Invokes a function's Lambda handler in a {@code @QuarkusTest} through the mock event server of
 * Quarkus' Lambda extension, as the Lambda runtime would: post an event, read the handler's
 * response. The functions' Lambda tests share it instead of each keeping a copy.
 */
public final class LambdaMockEvents {

    private LambdaMockEvents() {}

    /** The mock event server's invocation address, published by the extension when it starts on a free port. */
    public static String url() {
        String api = ConfigProvider.getConfig().getValue("quarkus-internal.aws-lambda.test-api", String.class);
        String base = api.startsWith("http") ? api : "http://" + api;
        return base.contains("/_lambda_") ? base : base + "/_lambda_";
    }

    /** Invokes the handler with {@code event} (JSON) and returns its response; the invocation itself must succeed. */
    public static JsonPath invoke(String event) {
        return given().body(event).post(url()).then().statusCode(200).extract().jsonPath();
    }

    /** Invokes the handler with the event in {@code fixture}, a JSON file. */
    public static JsonPath invoke(Path fixture) {
        return invoke(read(fixture));
    }

    /** The event in {@code fixture} (an API Gateway or Function URL event) with {@code body} as its HTTP body. */
    public static String withBody(Path fixture, String body) {
        JsonObject event = new JsonObject(read(fixture));
        event.put("body", body);
        return event.encode();
    }

    /** The HTTP body inside a Lambda proxy response (API Gateway decodes base64 bodies the same way). */
    public static JsonPath httpBody(JsonPath proxyResponse) {
        String body = proxyResponse.getString("body");
        if (proxyResponse.getBoolean("isBase64Encoded")) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        return new JsonPath(body);
    }

    private static String read(Path fixture) {
        try {
            return Files.readString(fixture);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event fixture " + fixture, e);
        }
    }
}
