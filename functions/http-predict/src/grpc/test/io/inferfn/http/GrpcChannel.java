package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;

/**
 * The set-up the gRPC ITs share: a plain-text (h2c) channel to the port the packaged function serves HTTP on (gRPC
 * shares it), opened before each test and shut down after it, each call with the deadline given (none when null). A
 * field of the test class, with the stubs made on it:
 *
 * <pre>{@code
 * @RegisterExtension
 * final GrpcChannel channel = new GrpcChannel(() -> v2, Duration.ofSeconds(30));
 *
 * final GRPCInferenceServiceBlockingStub grpc = channel.inference();
 * }</pre>
 *
 * The URL is a supplier, and the stubs may be made before the channel opens: Quarkus injects the test's {@code
 * @TestHTTPResource} URL after the test's fields are initialised, and this channel opens before each test.
 */
final class GrpcChannel extends Channel implements BeforeEachCallback, AfterEachCallback {

    private final Supplier<URL> url;
    private final Duration deadline;
    private ManagedChannel channel;

    /** A channel whose calls have no deadline. */
    GrpcChannel(Supplier<URL> url) {
        this(url, null);
    }

    /** @param deadline each call's deadline, unless the call sets its own; null for none */
    GrpcChannel(Supplier<URL> url, Duration deadline) {
        this.url = url;
        this.deadline = deadline;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        URL to = url.get();
        channel = ManagedChannelBuilder.forAddress(to.getHost(), to.getPort())
                .usePlaintext()
                .build();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        if (channel == null) {
            throw new IllegalStateException("the gRPC channel opens before each test: call it from a test");
        }
        return channel.newCall(
                method,
                deadline == null || options.getDeadline() != null
                        ? options
                        : options.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public String authority() {
        return channel.authority();
    }

    /** The inference service's blocking stub on this channel. */
    GRPCInferenceServiceBlockingStub inference() {
        return GRPCInferenceServiceGrpc.newBlockingStub(this);
    }

    /**
     * The first answer of a bidirectional-streaming call on the channel that sends {@code request} alone (the
     * reflection service's {@code ServerReflectionInfo}).
     *
     * @throws StatusRuntimeException when the call ends with a status instead (UNIMPLEMENTED: not served)
     */
    <Q, R> R firstAnswer(MethodDescriptor<Q, R> method, Q request) throws Exception {
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
