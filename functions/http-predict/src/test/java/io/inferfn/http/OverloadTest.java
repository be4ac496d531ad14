package io.inferfn.http;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More callers than the function scores at once: the excess is answered at once with 503,
 * {@code Retry-After} and a JSON error (never a 500, never a hung connection), health stays open,
 * and scoring resumes as soon as a slot frees. Two requests are held in flight by clients that
 * send their headers and only half their body, so the limit of 2 is reached for sure.
 */
@QuarkusTest
@TestProfile(OverloadTest.TwoAtATime.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class OverloadTest {

    /** A fixed limit of two requests in flight. */
    public static class TwoAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inferfn.http.overload.max-concurrent", "2", "inferfn.http.overload.retry-after", "3s");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    @TestHTTPResource("/q/health/live")
    URL live;

    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    void excessRequestsAre503WithRetryAfterAndScoringResumes() throws Exception {
        PredictFunctionTest.seed();
        byte[] body = PredictFunctionTest.FRAUD_REQUEST.getBytes(StandardCharsets.UTF_8);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) { // two callers take both slots: headers and half a body sent
                Socket socket = new Socket(predict.getHost(), predict.getPort());
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, body.length / 2);
                out.flush();
                slow.add(socket);
            }
            Thread.sleep(200); // let the server take both requests in

            for (URL url : List.of(predict, infer)) {
                String request = url == predict ? PredictFunctionTest.FRAUD_REQUEST : INFER;
                HttpResponse<String> shed = http.send(post(url, request), HttpResponse.BodyHandlers.ofString());
                assertThat(shed.statusCode()).as(url + ": " + shed.body()).isEqualTo(503);
                assertThat(shed.headers().firstValue("Retry-After")).hasValue("3");
                assertThat(shed.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(shed.body()).contains("overloaded").contains("retry after 3 s");
            }
            // health is never shed, even with every scoring slot taken
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(live.toURI())
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            for (Socket socket : slow) { // the slow callers finish their bodies and are scored
                socket.getOutputStream().write(body, body.length / 2, body.length - body.length / 2);
                socket.getOutputStream().flush();
                assertThat(statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        // slots are free again: both routes score
        HttpResponse<String> scored =
                http.send(post(predict, PredictFunctionTest.FRAUD_REQUEST), HttpResponse.BodyHandlers.ofString());
        assertThat(scored.statusCode()).as(scored.body()).isEqualTo(200);
        assertThat(scored.body()).contains("\"label\"");
        assertThat(http.send(post(infer, INFER), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
    }

    private static String statusLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString();
    }

    private static HttpRequest post(URL url, String body) throws Exception {
        return HttpRequest.newBuilder(url.toURI())
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static final String INFER =
            """
            {"inputs": [
              {"name": "entity_id", "shape": [1], "datatype": "BYTES", "data": ["c-1042"]},
              {"name": "amount", "shape": [1, 1], "datatype": "FP64", "data": [129.5]},
              {"name": "merchant_category", "shape": [1], "datatype": "BYTES", "data": ["electronics"]},
              {"name": "timestamp", "shape": [1], "datatype": "BYTES", "data": ["2026-11-23T02:14:00Z"]},
              {"name": "card_present", "shape": [1], "datatype": "BOOL", "data": [false]}]}""";
}
