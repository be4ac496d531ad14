package io.inferfn.http;

import java.net.URL;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * gRPC's reflection service, what grpcurl asks first when it has no {@code .proto}: turned on as {@code
 * QUARKUS_GRPC_SERVER_ENABLE_REFLECTION_SERVICE=true} turns it on, it lists the inference service. Off is the default
 * ({@link InferenceProtocolGrpcIT} checks that the test profile, which keeps the production value, does not serve it).
 */
@QuarkusIntegrationTest
@TestProfile(InferenceProtocolGrpcReflectionIT.ReflectionOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcReflectionIT {

    /** The reflection service turned on, as an operator turns it on. */
    public static class ReflectionOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.grpc.server.enable-reflection-service", "true");
        }
    }

    @TestHTTPResource("/")
    URL root;

    ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = InferenceProtocolGrpcIT.channel(root);
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void turnedOnTheReflectionServiceListsTheInferenceService() throws Exception {
        assertThat(firstAnswer(channel, ServerReflectionGrpc.getServerReflectionInfoMethod(), LIST_SERVICES)
                        .getListServicesResponse()
                        .getServiceList())
                .extracting(ServiceResponse::getName)
                .contains("inference.GRPCInferenceService");
    }

    /** grpcurl's {@code list}: the services the server offers. */
    static final ServerReflectionRequest LIST_SERVICES =
            ServerReflectionRequest.newBuilder().setListServices("").build();

    /**
     * The first answer of a bidirectional-streaming call that sends {@code request} alone.
     *
     * @throws StatusRuntimeException when the call ends with a status instead (UNIMPLEMENTED: not served)
     */
    static <Q, R> R firstAnswer(ManagedChannel channel, MethodDescriptor<Q, R> method, Q request) throws Exception {
        CompletableFuture<R> answer = new CompletableFuture<>();
        StreamObserver<Q> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(method, CallOptions.DEFAULT), new StreamObserver<R>() {
                    @Override
                    public void onNext(R response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(
                                new IllegalStateException(method.getFullMethodName() + " completed without an answer"));
                    }
                });
        requests.onNext(request);
        requests.onCompleted();
        try {
            return answer.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw e;
        }
    }
}
