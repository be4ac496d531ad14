package io.inferfn.http;

import java.io.IOException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * More callers than the function scores at once: one more waits for a slot and is scored when one
 * frees; past the queue, or past the queue deadline, a caller is answered 503 with {@code Retry-After}
 * and a JSON error (never a 500, never a hung connection); health and metadata stay open. Slots are
 * held for sure by clients that send their headers and only half their body; readiness reports how
 * many are held and waiting.
 *
 * <p>Only against the packaged function: in {@code @QuarkusTest}s the Lambda HTTP extension (on the test
 * class path) makes the HTTP server virtual, and {@code @TestHTTPResource} is its mock event server, which
 * reads each whole request before it turns it into an event and invokes the function one event at a time,
 * so no two requests are ever in flight there.
 */
@QuarkusIntegrationTest
@TestProfile(OverloadIT.TwoAtATime.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class OverloadIT {

    /** Two requests in flight, one waiting for at most 5 s. */
    public static class TwoAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.overload.max-concurrent", "2",
                    "inferfn.overload.queue-size", "1",
                    "inferfn.overload.queue-deadline", "5s",
                    "inferfn.overload.retry-after", "3s");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    @TestHTTPResource("/")
    URL root;

    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    final byte[] body = PredictFunctionTest.FRAUD_REQUEST.getBytes(StandardCharsets.UTF_8);
    final List<Socket> slow = new ArrayList<>();

    @BeforeEach
    void seedAndAwaitFreeSlots() throws Exception {
        PredictFunctionTest.seed();
        await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == 0 && waiting() == 0);
    }

    @AfterEach
    void hangUp() throws IOException {
        for (Socket socket : slow) {
            socket.close();
        }
    }

    @Test
    void aRequestOverTheLimitWaitsForASlotAndIsScoredWhenOneFrees() throws Exception {
        holdBothSlots();
        CompletableFuture<HttpResponse<String>> waiting =
                http.sendAsync(post(predict, PredictFunctionTest.FRAUD_REQUEST), HttpResponse.BodyHandlers.ofString());
        await().atMost(10, TimeUnit.SECONDS).until(() -> waiting() == 1);

        // the queue (1) is full: the next caller is turned away at once, on either scoring route
        for (URL url : List.of(predict, infer)) {
            HttpResponse<String> shed = http.send(
                    post(url, url == predict ? PredictFunctionTest.FRAUD_REQUEST : INFER),
                    HttpResponse.BodyHandlers.ofString());
            assertShed(shed);
            assertThat(shed.body()).contains("1 requests already wait");
        }
        // health and metadata are never shed, even with every slot and the queue taken
        for (String path : List.of("q/health/live", "q/health/ready", "v2/health/ready", "v2/models/fraud", "v2")) {
            HttpResponse<String> open = http.send(
                    HttpRequest.newBuilder(root.toURI().resolve(path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(open.statusCode()).as(path).isEqualTo(200);
        }
        assertThat(waiting).isNotDone();

        finishBody(slow.get(0)); // a slot frees: the waiting request takes it and is scored
        HttpResponse<String> scored = waiting.get(10, TimeUnit.SECONDS);
        assertThat(scored.statusCode()).as(scored.body()).isEqualTo(200);
        assertThat(scored.body()).contains("\"label\"");
        finishBody(slow.get(1));
    }

    @Test
    void aRequestThatCannotStartWithinTheQueueDeadlineIs503WithRetryAfter() throws Exception {
        holdBothSlots();
        HttpResponse<String> shed = http.send(post(infer, INFER), HttpResponse.BodyHandlers.ofString());
        assertShed(shed);
        assertThat(shed.body()).contains("no scoring slot freed within 5000 ms");
        assertThat(waiting()).isZero();

        finishBody(slow.get(0));
        finishBody(slow.get(1));
        assertThat(http.send(post(infer, INFER), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aCallerThatHangsUpMidBodyFreesItsSlot() throws Exception {
        holdBothSlots();
        long errorsBefore = errorLines();
        slow.get(0).close();
        await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == 1);

        HttpResponse<String> scored =
                http.send(post(predict, PredictFunctionTest.FRAUD_REQUEST), HttpResponse.BodyHandlers.ofString());
        assertThat(scored.statusCode()).as(scored.body()).isEqualTo(200);
        finishBody(slow.get(1));
        // a hang-up is the caller's doing: no 500 with an error id in the function's log
        assertThat(errorLines()).as("ERROR lines in target/quarkus.log").isEqualTo(errorsBefore);
    }

    /** ERROR lines the packaged function has logged so far ({@code target/quarkus.log}). */
    private static long errorLines() throws java.io.IOException {
        try (java.util.stream.Stream<String> lines =
                java.nio.file.Files.lines(java.nio.file.Path.of("target/quarkus.log"))) {
            return lines.filter(line -> line.contains(" ERROR ")).count();
        }
    }

    private int inFlight() throws Exception {
        return overload().getInt("data.inFlight");
    }

    private int waiting() throws Exception {
        return overload().getInt("data.waiting");
    }

    /** The inferfn-overload check of readiness: the limit, and the requests in flight and waiting. */
    private JsonPath overload() throws Exception {
        HttpResponse<String> ready = http.send(
                HttpRequest.newBuilder(root.toURI().resolve("q/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        return new JsonPath(ready.body()).setRootPath("checks.find { it.name == 'inferfn-overload' }");
    }

    /** Two callers send their headers and half a body: both slots are taken until they finish. */
    private void holdBothSlots() throws Exception {
        for (int i = 0; i < 2; i++) {
            Socket socket = new Socket(predict.getHost(), predict.getPort());
            socket.setSoTimeout(10_000);
            slow.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, body.length / 2);
            out.flush();
            int held = i + 1;
            await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == held);
        }
    }

    /** The slow caller sends the rest of its body and is scored. */
    private void finishBody(Socket socket) throws IOException {
        socket.getOutputStream().write(body, body.length / 2, body.length - body.length / 2);
        socket.getOutputStream().flush();
        assertThat(statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
    }

    private static void assertShed(HttpResponse<String> shed) {
        assertThat(shed.statusCode()).as(shed.body()).isEqualTo(503);
        assertThat(shed.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(shed.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(shed.body()).startsWith("{\"error\":\"overloaded: ").contains("retry after 3 s");
    }

    private static String statusLine(InputStream in) throws IOException {
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
