package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EventScoreHandler} through the Lambda event path: real SQS, Kinesis and MSK event source mapping
 * payloads (fixtures under {@code src/test/resources/events}) posted to the mock event server, which
 * invokes the handler as the Lambda runtime would.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class EventScoreLambdaTest {

    /** Sequence numbers of kinesis-readings.json: s-0007, a cut-off JSON value, s-0042, bytes that are not JSON. */
    static final String SEQ_S0007 = "49638234567890123456789012345678901234567890123456780018";

    static final String SEQ_CUT_OFF = "49638234567890123456789012345678901234567890123456780034";
    static final String SEQ_S0042 = "49638234567890123456789012345678901234567890123456780050";
    static final String SEQ_NOT_JSON = "49638234567890123456789012345678901234567890123456780066";

    @TestHTTPResource("/q/metrics")
    String metrics;

    @BeforeAll
    static void seed() {
        SensorData.seedRedis(RedisTestResource.redis());
    }

    @Test
    void sqsBatchWithOneBadMessageReportsOnlyItsId() throws Exception {
        Map<TopicPartition, Long> from = Topics.endOffsets(EventScoreTest.PREDICTIONS);

        JsonPath response = invoke("sqs-one-bad.json");

        assertThat(response.getList("batchItemFailures.itemIdentifier"))
                .containsExactly("2e1424d4-f796-459a-8184-9c92662be6da");
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, from, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("s-0007", "s-0042");
    }

    @Test
    void sqsBatchThatScoresAnswersAnEmptyFailureList() throws Exception {
        JsonPath response = invoke("sqs-all-good.json");

        assertThat(response.getList("batchItemFailures")).isEmpty();
        assertThat(response.getMap("$")).containsOnlyKeys("batchItemFailures");
    }

    @Test
    void mskBatchDecodesBase64DeadLettersTheBadRecordAndCarriesTraceContext() throws Exception {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(EventScoreTest.DLQ);

        JsonPath response = invoke("msk-readings.json");

        assertThat(response.getList("batchItemFailures")).isEmpty();
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("s-0007", "s-0042");
        // s-0007's record carries W3C trace context headers in the MSK event; its prediction carries them on
        ConsumerRecord<String, byte[]> traced = predictions.stream()
                .filter(p -> p.key().equals("s-0007"))
                .findFirst()
                .orElseThrow();
        assertThat(Topics.header(traced, EventOutputs.TRACEPARENT))
                .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(Topics.header(traced, EventOutputs.TRACESTATE)).isEqualTo("vendor=abc");
        ConsumerRecord<String, byte[]> untraced = predictions.stream()
                .filter(p -> p.key().equals("s-0042"))
                .findFirst()
                .orElseThrow();
        assertThat(untraced.headers().lastHeader(EventOutputs.TRACEPARENT)).isNull();
        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(EventScoreTest.DLQ, dlqFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(dead).hasSize(1);
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_REASON)).contains("not valid JSON");
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_TOPIC)).isEqualTo("sensor-readings");
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_OFFSET)).isEqualTo("17");
    }

    @Test
    void kinesisBatchDecodesBase64AndReportsEachPoisonRecordBySequenceNumber() throws Exception {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        PrometheusText before = scrape();

        JsonPath response = invoke("kinesis-readings.json");

        // not dead-lettered: Lambda retries from the lowest sequence number reported, then hands the range to the
        // mapping's on-failure destination
        assertThat(response.getList("batchItemFailures.itemIdentifier")).containsExactly(SEQ_CUT_OFF, SEQ_NOT_JSON);
        assertThat(response.getMap("$")).containsOnlyKeys("batchItemFailures");
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        // s-0042's data names no sensor: its partition key stands in for the entity id
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("s-0007", "s-0042");
        // Kinesis records have no headers, so no trace context to carry on
        assertThat(predictions).allSatisfy(p -> assertThat(p.headers().lastHeader(EventOutputs.TRACEPARENT))
                .isNull());
        assertThat(predictions).allSatisfy(p -> assertThat(Topics.header(p, EventOutputs.MODEL_HEADER))
                .isEqualTo("sensor-anomaly"));
        // the same meters as the other sources: two readings scored, each with its lag from the record's arrival
        PrometheusText after = scrape();
        assertThat(readings(after) - readings(before)).isEqualTo(2);
        assertThat(after.sum("inferfn_events_lag_seconds_count") - before.sum("inferfn_events_lag_seconds_count"))
                .isEqualTo(2);
    }

    @Test
    void anOversizedKinesisRecordIsReportedAndTheRestScored() throws Exception {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        StringBuilder big = new StringBuilder("{\"sensorId\": \"s-0099\", \"note\": \"");
        big.append("x".repeat(EventReadings.MAX_VALUE_BYTES)).append("\"}");
        String data = Base64.getEncoder().encodeToString(big.toString().getBytes(StandardCharsets.UTF_8));
        // the fixture with its not-JSON record's data replaced by a reading larger than a reading may be
        String event = Files.readString(Path.of("src/test/resources/events/kinesis-readings.json"))
                .replace("\"//57AA==\"", "\"" + data + "\"");
        assertThat(event).contains(data);

        JsonPath response = LambdaMockEvents.invoke(event);

        assertThat(response.getList("batchItemFailures.itemIdentifier")).containsExactly(SEQ_CUT_OFF, SEQ_NOT_JSON);
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("s-0007", "s-0042");
    }

    @Test
    void kinesisBatchThatScoresAnswersAnEmptyFailureList() throws Exception {
        // only the two good records of the fixture: its first and third
        JsonArray records = new JsonObject(Files.readString(Path.of("src/test/resources/events/kinesis-readings.json")))
                .getJsonArray("Records");
        String good = new JsonObject()
                .put("Records", new JsonArray().add(records.getValue(0)).add(records.getValue(2)))
                .encode();
        assertThat(new JsonPath(good).getList("Records.kinesis.sequenceNumber")).containsExactly(SEQ_S0007, SEQ_S0042);

        JsonPath response = LambdaMockEvents.invoke(good);

        assertThat(response.getList("batchItemFailures")).isEmpty();
    }

    @Test
    void aPartitionKeyChosenToSpreadLoadDoesNotOverrideTheSensorTheReadingNames() throws Exception {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        JsonArray records = new JsonObject(Files.readString(Path.of("src/test/resources/events/kinesis-readings.json")))
                .getJsonArray("Records");
        // s-0007's reading, sent with a random partition key (a producer spreading records over shards)
        JsonObject spread = records.getJsonObject(0).copy();
        spread.getJsonObject("kinesis").put("partitionKey", "7f3c9a1e-5b2d-4c1a-9e8f-2d6b0a4c3e71");
        String event =
                new JsonObject().put("Records", new JsonArray().add(spread)).encode();

        JsonPath response = LambdaMockEvents.invoke(event);

        assertThat(response.getList("batchItemFailures")).isEmpty();
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactly("s-0007");
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(
                given().get(metrics).then().statusCode(200).extract().asString());
    }

    private static double readings(PrometheusText m) {
        return m.sum("inferfn_events_readings_total", "model", "sensor-anomaly", "version", "2");
    }

    private static JsonPath invoke(String fixture) {
        return LambdaMockEvents.invoke(Path.of("src/test/resources/events/" + fixture));
    }
}
