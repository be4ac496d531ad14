package io.inferfn.http;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.auth.AuthConfig;
import io.inferfn.auth.ModelAccess;
import io.inferfn.http.InferenceProtocolBodies.InferRequest;
import io.inferfn.http.InferenceProtocolBodies.InferResponse;
import io.inferfn.http.InferenceProtocolBodies.ModelMetadata;
import io.inferfn.http.InferenceProtocolBodies.TensorMetadata;
import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.http.grpc.v2.ModelMetadataRequest;
import io.inferfn.http.grpc.v2.ModelMetadataResponse;
import io.inferfn.http.grpc.v2.ModelReadyRequest;
import io.inferfn.http.grpc.v2.ModelReadyResponse;
import io.inferfn.http.grpc.v2.ServerLiveRequest;
import io.inferfn.http.grpc.v2.ServerLiveResponse;
import io.inferfn.http.grpc.v2.ServerMetadataRequest;
import io.inferfn.http.grpc.v2.ServerMetadataResponse;
import io.inferfn.http.grpc.v2.ServerReadyRequest;
import io.inferfn.http.grpc.v2.ServerReadyResponse;
import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.ModelUnavailableException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * gRPC trigger, Open Inference Protocol: KServe's {@code inference.GRPCInferenceService} on the HTTP port, over the
 * same checks and scoring core as {@code /v2} REST ({@link InferenceProtocol}); the answer is the call's response
 * or its status ({@link GrpcStatuses}). The model calls need the credentials {@code /v2/models/**} needs, sent as
 * metadata ({@code authorization: Bearer <jwt>} or the API key header); the server calls need none.
 */
@GrpcService
public class InferenceProtocolGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    HttpPredictConfig config;

    @Inject
    ModelAccess access;

    @Inject
    AuthConfig auth;

    @Inject
    CurrentIdentityAssociation identities;

    @Inject
    ScoringThreads threads;

    @Inject
    RequestMetrics requests;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    private InferenceProtocol protocol;
    private String credentials;

    @PostConstruct
    void init() {
        protocol = new InferenceProtocol(scorer, config.maxBatchRows());
        credentials = "send a valid bearer token (metadata authorization: Bearer <jwt>) or API key (metadata "
                + auth.apiKeyHeader().toLowerCase(Locale.ROOT) + ")";
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        answer(out, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        answer(out, ServerReadyResponse.newBuilder().setReady(catalog.ready()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        // none of the protocol's optional extensions, as GET /v2
        answer(
                out,
                ServerMetadataResponse.newBuilder()
                        .setName("inferfn")
                        .setVersion(version)
                        .build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        authenticated(request.getName(), out, "ModelReady", identity -> {
            boolean ready;
            try {
                model(identity, request.getName(), request.getVersion());
                ready = true;
            } catch (ModelUnavailableException e) {
                ready = false;
            }
            answer(out, ModelReadyResponse.newBuilder().setReady(ready).build());
        });
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        authenticated(request.getName(), out, "ModelMetadata", identity -> {
            ModelMetadata meta = InferenceProtocol.metadata(model(identity, request.getName(), request.getVersion()));
            ModelMetadataResponse.Builder response = ModelMetadataResponse.newBuilder()
                    .setName(meta.name())
                    .addAllVersions(meta.versions())
                    .setPlatform(meta.platform());
            for (TensorMetadata t : meta.inputs()) {
                response.addInputs(tensor(t));
            }
            for (TensorMetadata t : meta.outputs()) {
                response.addOutputs(tensor(t));
            }
            answer(out, response.build());
        });
    }

    /**
     * As {@code POST /v2/models/{name}/infer}, on the event loop: features mode awaits its one Redis round trip
     * asynchronously and scores inline, tensor mode runs ONNX Runtime at once; a model {@link ScoringThreads} placed
     * on workers runs there.
     */
    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> call) {
        RequestMetrics.Tracked tracked = requests.grpc();
        StreamObserver<ModelInferResponse> out = tracked == null ? call : new Counted<>(call, tracked);
        authenticated(request.getModelName(), out, "ModelInfer", identity -> {
            LoadedModel model = model(identity, request.getModelName(), request.getModelVersion());
            if (tracked != null) {
                tracked.model(model);
            }
            boolean raw = request.getRawInputContentsCount() > 0;
            if (model.text() != null) {
                text(model, request, raw, tracked, out);
                return;
            }
            InferenceProtocol.Checked checked = protocol.check(model, GrpcTensors.request(request));
            boolean onWorker = threads.onWorker(model);
            if (checked.tensorMode()) {
                if (onWorker) {
                    blocking(out, () -> GrpcTensors.response(protocol.tensor(model, checked, tracked), request, raw));
                } else {
                    answer(out, GrpcTensors.response(protocol.tensor(model, checked, tracked), request, raw));
                }
                return;
            }
            scorer.beginBatch(model, checked.batch()).fetch(ready -> {
                if (call instanceof ServerCallStreamObserver<?> c && c.isCancelled()) {
                    ready.abandon(); // the caller went away while Redis answered: nobody to score for
                    return;
                }
                if (onWorker) {
                    blocking(out, () -> features(model, checked, ready.finish(), request, raw, tracked));
                    return;
                }
                try {
                    answer(out, features(model, checked, ready.finish(), request, raw, tracked));
                } catch (RuntimeException e) {
                    out.onError(GrpcStatuses.of(e, "ModelInfer"));
                }
            });
        });
    }

    /**
     * A text model's call, as REST {@code /v2} answers it: one BYTES input {@value InferenceProtocol#TEXT_INPUT}
     * (typed {@code bytes_contents} or raw, UTF-8), tokenized and scored on a worker with the bounded queue (full:
     * UNAVAILABLE, as REST's 503); {@code embedding} FP32 {@code [n, dim]}, or {@code label} BYTES and {@code
     * probabilities} FP32.
     */
    private void text(
            LoadedModel model,
            ModelInferRequest request,
            boolean raw,
            RequestMetrics.Tracked tracked,
            StreamObserver<ModelInferResponse> out) {
        InferRequest body = GrpcTensors.request(request);
        List<String> texts = InferenceProtocol.texts(model, body, config.maxBatchTexts());
        io.vertx.core.Future<ModelInferResponse> scored = threads.submit(
                vertx,
                () -> GrpcTensors.response(
                        InferenceProtocol.textResponse(model, body, scorer.scoreTexts(model, texts)), request, raw));
        if (scored == null) {
            out.onError(GrpcStatuses.of(threads.busy(), "ModelInfer"));
            return;
        }
        scored.onComplete(done -> {
            if (done.succeeded()) {
                if (tracked != null) {
                    tracked.scored(texts.size(), false);
                }
                answer(out, done.result());
            } else {
                out.onError(GrpcStatuses.of(done.cause(), "ModelInfer"));
            }
        });
    }

    /** A call's observer that counts the call ({@link RequestMetrics}) when it answers or fails. */
    private static final class Counted<T> implements StreamObserver<T> {
        private final StreamObserver<T> call;
        private final RequestMetrics.Tracked tracked;

        Counted(StreamObserver<T> call, RequestMetrics.Tracked tracked) {
            this.call = call;
            this.tracked = tracked;
        }

        @Override
        public void onNext(T value) {
            call.onNext(value);
        }

        @Override
        public void onError(Throwable t) {
            tracked.end(outcome(Status.fromThrowable(t).getCode()));
            call.onError(t);
        }

        @Override
        public void onCompleted() {
            tracked.end(RequestMetrics.Outcome.OK);
            call.onCompleted();
        }

        /** The REST outcome of the HTTP status a gRPC code stands for ({@link GrpcStatuses#code}). */
        static RequestMetrics.Outcome outcome(Status.Code code) {
            return switch (code) {
                case OK -> RequestMetrics.Outcome.OK;
                case INVALID_ARGUMENT -> RequestMetrics.Outcome.BAD_REQUEST;
                case UNAUTHENTICATED -> RequestMetrics.Outcome.UNAUTHORIZED;
                case PERMISSION_DENIED -> RequestMetrics.Outcome.FORBIDDEN;
                case NOT_FOUND -> RequestMetrics.Outcome.NOT_FOUND;
                case RESOURCE_EXHAUSTED -> RequestMetrics.Outcome.PAYLOAD_TOO_LARGE;
                default -> RequestMetrics.Outcome.ERROR;
            };
        }
    }

    private ModelInferResponse features(
            LoadedModel model,
            InferenceProtocol.Checked checked,
            List<Prediction> predictions,
            ModelInferRequest request,
            boolean raw,
            RequestMetrics.Tracked tracked) {
        InferResponse body = protocol.features(model, checked, predictions, tracked);
        return GrpcTensors.response(body, request, raw);
    }

    /**
     * Runs {@code then} with the caller's identity once it is known (null with authentication off), on the event
     * loop the call arrived on; a failure there is the call's status. Without credentials, or with bad ones, the
     * call is {@code UNAUTHENTICATED}, whatever the model.
     */
    private void authenticated(String model, StreamObserver<?> out, String method, Consumer<SecurityIdentity> then) {
        if (!auth.enabled()) {
            run(out, method, () -> then.accept(null));
            return;
        }
        Context context = Vertx.currentContext();
        identities
                .getDeferredIdentity()
                .subscribe()
                .with(
                        identity -> {
                            Runnable step = () -> {
                                if (identity == null || identity.isAnonymous()) {
                                    out.onError(Status.UNAUTHENTICATED
                                            .withDescription(
                                                    "authentication required for model '" + model + "': " + credentials)
                                            .asRuntimeException());
                                    return;
                                }
                                run(out, method, () -> then.accept(identity));
                            };
                            if (context == null || Vertx.currentContext() == context) {
                                step.run();
                            } else {
                                context.runOnContext(v -> step.run());
                            }
                        },
                        failure -> out.onError(Status.UNAUTHENTICATED
                                .withDescription("authentication failed: " + credentials)
                                .asRuntimeException()));
    }

    private static void run(StreamObserver<?> out, String method, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            out.onError(GrpcStatuses.of(e, method));
        }
    }

    /** The model a call names, when {@code identity} may use it and the version (if any) is the one served. */
    private LoadedModel model(SecurityIdentity identity, String name, String version) {
        LoadedModel model = catalog.resolve(name.isEmpty() ? null : name);
        access.check(identity, model.name());
        InferenceProtocol.checkVersion(model, version.isEmpty() ? null : version);
        return model;
    }

    private <T> void blocking(StreamObserver<T> out, java.util.concurrent.Callable<T> work) {
        vertx.executeBlocking(work, false).onComplete(done -> {
            if (done.succeeded()) {
                answer(out, done.result());
            } else {
                out.onError(GrpcStatuses.of(done.cause(), "ModelInfer"));
            }
        });
    }

    private static <T> void answer(StreamObserver<T> out, T response) {
        out.onNext(response);
        out.onCompleted();
    }

    private static ModelMetadataResponse.TensorMetadata tensor(TensorMetadata t) {
        ModelMetadataResponse.TensorMetadata.Builder tensor =
                ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.name());
        if (t.datatype() != null) {
            tensor.setDatatype(t.datatype());
        }
        if (t.shape() != null) {
            for (long d : t.shape()) {
                tensor.addShape(d);
            }
        }
        return tensor.build();
    }
}
