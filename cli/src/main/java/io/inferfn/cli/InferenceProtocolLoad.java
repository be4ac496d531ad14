package io.inferfn.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The Open Inference Protocol's two faces under the same load, for {@code bench http}: one features-mode row of the
 * fraud model (the Redis features of a demo customer apply) as {@code POST /v2/models/fraud/infer} JSON and as a
 * gRPC {@code inference.GRPCInferenceService/ModelInfer} call with typed contents. The gRPC call is framed by hand
 * (5-byte prefix, protobuf written field by field) on a Vert.x HTTP/2 client, one plain-text (h2c) connection
 * multiplexed as a gRPC channel does, so the CLI needs neither the generated stubs nor grpc-java.
 */
final class InferenceProtocolLoad {

    static final String V2_PATH = "/v2/models/fraud/infer";
    static final String GRPC_PATH = "/inference.GRPCInferenceService/ModelInfer";
    private static final String[] CATEGORIES = {"grocery", "restaurant", "fuel", "travel", "electronics", "online"};

    private final Vertx vertx;
    private final HttpClient http2;

    InferenceProtocolLoad(Vertx vertx) {
        this.vertx = vertx;
        this.http2 = vertx.createHttpClient(
                new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false)
                        .setHttp2MultiplexingLimit(1000),
                new PoolOptions().setHttp2MaxSize(1).setMaxWaitQueueSize(-1));
    }

    /** One random row: a demo customer, an amount, a category, a time of day, card present or not. */
    record Row(String entity, double amount, String category, String timestamp, boolean cardPresent) {

        static Row random(SplittableRandom random) {
            return new Row(
                    "c-" + (1000 + random.nextInt(5000)),
                    Math.round((1 + random.nextDouble() * 400) * 100) / 100.0,
                    CATEGORIES[random.nextInt(CATEGORIES.length)],
                    Instant.ofEpochSecond(1795392000L + random.nextInt(86_400)).toString(),
                    random.nextBoolean());
        }

        String v2Json() {
            return String.format(
                    Locale.ROOT,
                    "{\"inputs\":[{\"name\":\"entity_id\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"%s\"]},"
                            + "{\"name\":\"amount\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[%s]},"
                            + "{\"name\":\"merchant_category\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"%s\"]},"
                            + "{\"name\":\"timestamp\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"%s\"]},"
                            + "{\"name\":\"card_present\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[%b]}]}",
                    entity,
                    Double.toString(amount),
                    category,
                    timestamp,
                    cardPresent);
        }

        /** The ModelInferRequest as protobuf (grpc_predict_v2.proto's field numbers), in its gRPC frame. */
        Buffer grpcFrame() {
            Proto request = new Proto()
                    .string(1, "fraud")
                    .message(5, input("entity_id", "BYTES", new Proto().bytes(8, utf8(entity))))
                    .message(5, input("amount", "FP64", new Proto().packedDouble(7, amount)))
                    .message(5, input("merchant_category", "BYTES", new Proto().bytes(8, utf8(category))))
                    .message(5, input("timestamp", "BYTES", new Proto().bytes(8, utf8(timestamp))))
                    .message(5, input("card_present", "BOOL", new Proto().packedBool(1, cardPresent)));
            byte[] body = request.bytes();
            return Buffer.buffer(5 + body.length)
                    .appendByte((byte) 0) // not compressed
                    .appendInt(body.length) // big-endian, as gRPC frames it
                    .appendBytes(body);
        }

        private static Proto input(String name, String datatype, Proto contents) {
            return new Proto()
                    .string(1, name)
                    .string(2, datatype)
                    .packedVarint(3, 1)
                    .message(5, contents);
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** 200 for a ModelInfer call answered OK; a failure for any other grpc-status or no answer within 10 s. */
    Future<Integer> grpc(String host, int port, Buffer frame) {
        Promise<Integer> answer = Promise.promise();
        long timer = vertx.setTimer(10_000, id -> answer.tryFail("no answer within 10 s"));
        http2.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost(host)
                        .setPort(port)
                        .setURI(GRPC_PATH)
                        .setTimeout(10_000))
                .compose(req -> {
                    req.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
                    return req.send(frame);
                })
                .compose(resp -> resp.body().map(b -> {
                    String status = resp.getTrailer("grpc-status");
                    status = status != null ? status : resp.getHeader("grpc-status"); // trailers-only answer
                    if (status == null || !status.equals("0")) {
                        String message = resp.getTrailer("grpc-message");
                        throw new IllegalStateException("grpc-status " + status + ": "
                                + (message != null ? message : resp.getHeader("grpc-message")));
                    }
                    return 200; // as an HTTP answer, for the phases' error count
                }))
                .onComplete(result -> {
                    vertx.cancelTimer(timer);
                    if (result.succeeded()) {
                        answer.tryComplete(result.result());
                    } else {
                        answer.tryFail(result.cause());
                    }
                });
        return answer.future();
    }

    /** A protobuf message written field by field: just the wire types a ModelInferRequest needs. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto bytes(int field, byte[] value) {
            varint((field << 3) | 2);
            varint(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.bytes());
        }

        Proto packedVarint(int field, long value) {
            Proto packed = new Proto();
            packed.varint(value);
            return bytes(field, packed.bytes());
        }

        Proto packedDouble(int field, double value) {
            return bytes(
                    field,
                    ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putDouble(value)
                            .array());
        }

        Proto packedBool(int field, boolean value) {
            return bytes(field, new byte[] {(byte) (value ? 1 : 0)});
        }

        private void varint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
