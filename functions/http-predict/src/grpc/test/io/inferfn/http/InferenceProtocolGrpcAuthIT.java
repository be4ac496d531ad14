package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelMetadataRequest;
import io.inferfn.http.grpc.v2.ServerLiveRequest;
import io.inferfn.http.grpc.v2.ServerReadyRequest;
import io.inferfn.localstack.RedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * gRPC with authentication on, as {@link AuthTest} for REST: credentials in call metadata ({@code authorization:
 * Bearer <jwt>}, {@code x-api-key}), checked by the same mechanisms and per-model roles.
 */
@QuarkusIntegrationTest
@TestProfile(AuthTest.AuthOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcAuthIT {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    @TestHTTPResource("/")
    URL root;

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> root, Duration.ofSeconds(30));

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void noCredentialsIsUnauthenticatedAndServerCallsStayOpen() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub anonymous = stub(null, null);
        assertThat(code(anonymous)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(anonymous).getStatus().getDescription())
                .contains("authentication required")
                .contains("authorization: Bearer <jwt>")
                .contains("x-api-key");
        StatusRuntimeException meta = catchThrowableOfType(
                () -> anonymous.modelMetadata(
                        ModelMetadataRequest.newBuilder().setName("fraud").build()),
                StatusRuntimeException.class);
        assertThat(meta.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(anonymous.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .isTrue();
        assertThat(anonymous
                        .serverReady(ServerReadyRequest.getDefaultInstance())
                        .getReady())
                .isTrue();
        assertThat(stub(AUTHORIZATION, "Bearer x")
                        .serverLive(ServerLiveRequest.getDefaultInstance())
                        .getLive())
                .isTrue();
    }

    @Test
    void wrongCredentialsAreUnauthenticated() throws Exception {
        assertThat(code(stub(API_KEY, "wrong"))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(stub(API_KEY, "wrong")).getStatus().getDescription()).contains("authentication failed");
        assertThat(code(stub(AUTHORIZATION, "Bearer not.a.jwt"))).isEqualTo(Status.Code.UNAUTHENTICATED);
        String expired = AuthTest.token(AuthTest.issuerKey(), List.of("model:fraud"), -120, AuthTest.AUDIENCE);
        assertThat(code(stub(AUTHORIZATION, "Bearer " + expired))).isEqualTo(Status.Code.UNAUTHENTICATED);
        String foreign =
                AuthTest.token(AuthTest.OTHER_KEYS.getPrivate(), List.of("model:fraud"), 300, AuthTest.AUDIENCE);
        assertThat(code(stub(AUTHORIZATION, "Bearer " + foreign))).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void validCredentialsWithoutTheModelsRoleArePermissionDenied() throws Exception {
        StatusRuntimeException key = failure(stub(API_KEY, AuthTest.OTHER_API_KEY));
        assertThat(key.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(key.getStatus().getDescription()).contains("may not use model 'fraud'");
        String churn = AuthTest.token(AuthTest.issuerKey(), List.of("model:churn"), 300, AuthTest.AUDIENCE);
        assertThat(code(stub(AUTHORIZATION, "Bearer " + churn))).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aGoodApiKeyOrTokenScores() throws Exception {
        assertThat(code(stub(API_KEY, AuthTest.API_KEY))).isEqualTo(Status.Code.OK);
        String token = AuthTest.token(AuthTest.issuerKey(), List.of("model:fraud"), 300, AuthTest.AUDIENCE);
        assertThat(code(stub(AUTHORIZATION, "Bearer " + token))).isEqualTo(Status.Code.OK);
        assertThat(stub(AUTHORIZATION, "Bearer " + token)
                        .modelMetadata(ModelMetadataRequest.newBuilder()
                                .setName("fraud")
                                .build())
                        .getName())
                .isEqualTo("fraud");
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(Metadata.Key<String> key, String value) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = channel.inference();
        if (key == null) {
            return stub;
        }
        Metadata metadata = new Metadata();
        metadata.put(key, value);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }

    /** The status of one tensor-mode ModelInfer call of the fraud model. */
    private static Status.Code code(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        StatusRuntimeException e = failure(stub);
        return e == null ? Status.Code.OK : e.getStatus().getCode();
    }

    private static StatusRuntimeException failure(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        InferTensorContents.Builder zeros = InferTensorContents.newBuilder();
        for (int i = 0; i < 15; i++) {
            zeros.addFp32Contents(0f);
        }
        try {
            stub.modelInfer(ModelInferRequest.newBuilder()
                    .setModelName("fraud")
                    .addInputs(InferenceProtocolGrpcIT.input("features", "FP32", 1, 15)
                            .setContents(zeros))
                    .build());
            return null;
        } catch (StatusRuntimeException e) {
            return e;
        }
    }
}
