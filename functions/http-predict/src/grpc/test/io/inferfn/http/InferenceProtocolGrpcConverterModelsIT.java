package io.inferfn.http;

import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.http.grpc.v2.ModelMetadataRequest;
import io.inferfn.http.grpc.v2.ModelMetadataResponse;
import io.inferfn.localstack.RedisTestResource;

import static io.inferfn.http.InferenceProtocolGrpcIT.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Models as the converters export them, over gRPC in tensor mode: one tensor per ONNX input, each in its own
 * datatype (an INT64 id beside FP32 values; FP32 beside a BYTES category), typed and raw. The answers are ONNX
 * Runtime's own for the same tensors (a ZipMap as its probabilities in class order), as {@code /v2} REST's are
 * ({@link BringYourOwnModelTest}); a wrong datatype is INVALID_ARGUMENT naming the input.
 */
@QuarkusIntegrationTest
@TestProfile(BringYourOwnModelTest.ConverterModels.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcConverterModelsIT {

    @TestHTTPResource("/v2")
    URL v2;

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> v2, Duration.ofSeconds(30));

    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc = channel.inference();

    @Test
    void anInt64IdBesideFloatsTypedAndRawScoresAsOnnxRuntime() throws Exception {
        float[] direct = {
            BringYourOwnModelTest.merchant(3, 7f, 12f),
            BringYourOwnModelTest.merchant(0, 250f, 3f),
            BringYourOwnModelTest.merchant(4, 0.5f, 23f)
        };
        ModelMetadataResponse metadata = grpc.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("merchant").build());
        assertThat(metadata.getInputsList())
                .extracting(t -> t.getName() + " " + t.getDatatype())
                .contains("merchant_id INT64", "numeric FP32");

        ModelInferResponse typed = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("merchant")
                .addInputs(input("merchant_id", "INT64", 3)
                        .setContents(InferTensorContents.newBuilder().addAllInt64Contents(List.of(3L, 0L, 4L))))
                .addInputs(input("numeric", "FP32", 3, 2)
                        .setContents(InferTensorContents.newBuilder()
                                .addAllFp32Contents(List.of(7f, 12f, 250f, 3f, 0.5f, 23f))))
                .build());
        assertThat(typed.getOutputs(0).getName()).isEqualTo("score");
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly(3L, 1L);
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList())
                .containsExactly(direct[0], direct[1], direct[2]);

        ByteBuffer ids = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ids.putLong(3).putLong(0).putLong(4);
        ByteBuffer numeric = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        numeric.asFloatBuffer().put(new float[] {7f, 12f, 250f, 3f, 0.5f, 23f});
        ModelInferResponse raw = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("merchant")
                .addInputs(input("merchant_id", "INT64", 3))
                .addInputs(input("numeric", "FP32", 3, 2))
                .addRawInputContents(ByteString.copyFrom(ids.array()))
                .addRawInputContents(ByteString.copyFrom(numeric.array()))
                .build());
        ByteBuffer out = raw.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(out.getFloat(), out.getFloat(), out.getFloat()))
                .containsExactly(direct[0], direct[1], direct[2]);

        StatusRuntimeException wrongType = catchThrowableOfType(
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("merchant")
                        .addInputs(input("merchant_id", "FP32", 1)
                                .setContents(InferTensorContents.newBuilder().addFp32Contents(3f)))
                        .addInputs(input("numeric", "FP32", 1, 2)
                                .setContents(InferTensorContents.newBuilder().addAllFp32Contents(List.of(7f, 12f))))
                        .build()),
                StatusRuntimeException.class);
        assertThat(wrongType.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(wrongType.getStatus().getDescription())
                .isEqualTo("input 'merchant_id': expected datatype INT64, received FP32");
    }

    @Test
    void aStringCategoryBesideAFloatAnswersTheZipMapsProbabilities() throws Exception {
        Map<String, Float> fr = BringYourOwnModelTest.tiers(75.5f, "FR");
        Map<String, Float> de = BringYourOwnModelTest.tiers(10f, "DE");
        List<Float> expected = List.of(
                fr.get("bronze"), fr.get("gold"), fr.get("silver"), de.get("bronze"), de.get("gold"), de.get("silver"));

        ModelInferResponse typed = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("tiers")
                .addInputs(input("amount", "FP32", 2, 1)
                        .setContents(InferTensorContents.newBuilder().addAllFp32Contents(List.of(75.5f, 10f))))
                .addInputs(input("country", "BYTES", 2, 1)
                        .setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8("FR"))
                                .addBytesContents(ByteString.copyFromUtf8("DE"))))
                .build());
        assertThat(typed.getOutputs(0).getName()).isEqualTo("output_probability");
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly(2L, 3L);
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).isEqualTo(expected);

        ByteBuffer amounts = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        amounts.asFloatBuffer().put(new float[] {75.5f, 10f});
        ByteString.Output countries = ByteString.newOutput();
        for (String c : new String[] {"FR", "DE"}) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            countries.write(
                    ByteBuffer.allocate(4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putInt(b.length)
                            .array(),
                    0,
                    4);
            countries.write(b, 0, b.length);
        }
        ModelInferResponse raw = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("tiers")
                .addInputs(input("amount", "FP32", 2, 1))
                .addInputs(input("country", "BYTES", 2, 1))
                .addRawInputContents(ByteString.copyFrom(amounts.array()))
                .addRawInputContents(countries.toByteString())
                .build());
        ByteBuffer out = raw.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Float[] values = new Float[6];
        for (int i = 0; i < values.length; i++) {
            values[i] = out.getFloat();
        }
        assertThat(List.of(values)).isEqualTo(expected);
    }
}
