package io.inferfn.http;

import java.net.URL;
import java.util.Map;

import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServiceResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> root);

    @Test
    void turnedOnTheReflectionServiceListsTheInferenceService() throws Exception {
        assertThat(channel.firstAnswer(ServerReflectionGrpc.getServerReflectionInfoMethod(), LIST_SERVICES)
                        .getListServicesResponse()
                        .getServiceList())
                .extracting(ServiceResponse::getName)
                .contains("inference.GRPCInferenceService");
    }

    /** grpcurl's {@code list}: the services the server offers. */
    static final ServerReflectionRequest LIST_SERVICES =
            ServerReflectionRequest.newBuilder().setListServices("").build();
}
