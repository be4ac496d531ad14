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
import java.util.concurrent.TimeUnit;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ServerLiveRequest;
import io.inferfn.localstack.RedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * ModelInfer shares the scoring slots of {@code /predict} and {@code /v2} ({@link OverloadIT}'s two, one waiting up
 * to 5 s): a call that cannot start within the queue deadline ends {@code UNAVAILABLE}, saying why; every call
 * gives its slot back when it ends.
 */
@QuarkusIntegrationTest
@TestProfile(OverloadIT.TwoAtATime.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcOverloadIT {

    @TestHTTPResource("/")
    URL root;

    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    final byte[] body = PredictFunctionTest.FRAUD_REQUEST.getBytes(StandardCharsets.UTF_8);
    final List<Socket> slow = new ArrayList<>();

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> root);

    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc = channel.inference();

    @BeforeEach
    void connect() throws Exception {
        PredictFunctionTest.seed();
        await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == 0);
    }

    @AfterEach
    void close() throws Exception {
        for (Socket socket : slow) {
            socket.close();
        }
    }

    @Test
    void aCallThatCannotStartWithinTheQueueDeadlineIsUnavailableAndCallsFreeTheirSlots() throws Exception {
        for (int i = 0; i < 5; i++) {
            infer(); // each call gives its slot back when it ends
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == 0);

        double shedBefore = shedCalls();
        holdBothSlots();
        StatusRuntimeException shed = catchThrowableOfType(this::infer, StatusRuntimeException.class);
        assertThat(shedCalls() - shedBefore).as("the shed call is counted").isEqualTo(1);
        assertThat(shed.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(shed.getStatus().getDescription())
                .isEqualTo("overloaded: no scoring slot freed within 5000 ms (inferfn.overload.queue-deadline);"
                        + " retry after 3 s");
        // the server calls are never shed
        assertThat(grpc.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .serverLive(ServerLiveRequest.getDefaultInstance())
                        .getLive())
                .isTrue();

        finishBody(slow.get(0));
        finishBody(slow.get(1));
        assertThat(infer().getOutputs(0).getName()).isEqualTo("score");
        await().atMost(10, TimeUnit.SECONDS).until(() -> inFlight() == 0);
    }

    private io.inferfn.http.grpc.v2.ModelInferResponse infer() {
        InferTensorContents.Builder zeros = InferTensorContents.newBuilder();
        for (int i = 0; i < 15; i++) {
            zeros.addFp32Contents(0f);
        }
        return grpc.withDeadlineAfter(20, TimeUnit.SECONDS)
                .modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("fraud")
                        .addInputs(InferenceProtocolGrpcIT.input("features", "FP32", 1, 15)
                                .setContents(zeros))
                        .build());
    }

    private double shedCalls() throws Exception {
        HttpResponse<String> scrape = http.send(
                HttpRequest.newBuilder(root.toURI().resolve("q/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return io.inferfn.testing.PrometheusText.parse(scrape.body())
                .sum("inferfn_requests_total", "endpoint", "grpc", "outcome", "shed");
    }

    private int inFlight() throws Exception {
        HttpResponse<String> ready = http.send(
                HttpRequest.newBuilder(root.toURI().resolve("q/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new JsonPath(ready.body())
                .setRootPath("checks.find { it.name == 'inferfn-overload' }")
                .getInt("data.inFlight");
    }

    /** Two callers send their headers and half a body: both slots are taken until they finish (as OverloadIT). */
    private void holdBothSlots() throws Exception {
        for (int i = 0; i < 2; i++) {
            Socket socket = new Socket(root.getHost(), root.getPort());
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

    private void finishBody(Socket socket) throws IOException {
        socket.getOutputStream().write(body, body.length / 2, body.length - body.length / 2);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        assertThat(line.toString()).isEqualTo("HTTP/1.1 200 OK");
    }
}
