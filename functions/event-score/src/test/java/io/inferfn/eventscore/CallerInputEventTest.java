package io.inferfn.eventscore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A producer may not send the baselines the store holds for its sensor (a {@code temp_std} of its
 * choosing would silence alerts), nor a sensor id that reaches other Redis keys: on Kafka, SQS,
 * Kinesis and MSK such a reading is a dead letter (or a batch item failure) that names what was wrong.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class CallerInputEventTest {

    static final String STORE_FEATURE_REASON =
            "feature 'temp_std' comes from the feature store (sensor:{entityId}) and may not be sent";

    @BeforeAll
    static void seed() {
        SensorData.seedRedis(RedisTestResource.redis());
    }

    @Test
    void aKafkaReadingCarryingAStoreFeatureIsADeadLetterNamingIt() {
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(EventScoreTest.DLQ);
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        String reading = "{\"sensorId\": \"%s\", \"temperature_c\": 95.0, \"vibration_mm_s\": 3.05,"
                + " \"pressure_kpa\": 288.0%s}";
        Topics.produce(
                EventScoreTest.READINGS,
                List.of(
                        Topics.record(EventScoreTest.READINGS, "s-0042", reading.formatted("s-0042", "")),
                        Topics.record(
                                EventScoreTest.READINGS,
                                "s-0007",
                                reading.formatted("s-0007", ", \"temp_std\": 500.0")),
                        Topics.record(EventScoreTest.READINGS, "s-0042:x", reading.formatted("s-0042:x", ""))));

        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(EventScoreTest.DLQ, dlqFrom, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);

        assertThat(predictions).extracting(ConsumerRecord::key).containsExactly("s-0042");
        Map<String, String> reasons = new HashMap<>();
        dead.forEach(d -> reasons.put(d.key(), Topics.header(d, EventOutputs.DLQ_REASON)));
        assertThat(reasons).containsOnlyKeys("s-0007", "s-0042:x");
        assertThat(reasons.get("s-0007")).startsWith(STORE_FEATURE_REASON);
        assertThat(reasons.get("s-0042:x"))
                .startsWith("'entityId' must match [A-Za-z0-9_.-]{1,128} (it becomes part of the Redis key"
                        + " sensor:{entityId}); got the string \"s-0042:x\"");
    }

    @Test
    void sqsMessagesCarryingAStoreFeatureOrABadIdAreBatchItemFailures() throws Exception {
        JsonPath response = invoke("sqs-caller-features.json");

        assertThat(response.getList("batchItemFailures.itemIdentifier"))
                .containsExactly("7a4e2c90-1d3b-4f5e-8a6b-2c1d0e9f8a71", "c3b9d2e4-6f1a-4b8c-9d7e-5a4b3c2d1e0f");
    }

    @Test
    void kinesisRecordsCarryingAStoreFeatureOrABadIdAreBatchItemFailuresBySequenceNumber() throws Exception {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);

        JsonPath response = invoke("kinesis-caller-features.json");

        assertThat(response.getList("batchItemFailures.itemIdentifier"))
                .containsExactly(
                        "49638234567890123456789012345678901234567890123456790042",
                        "49638234567890123456789012345678901234567890123456790043");
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactly("s-0007");
    }

    @Test
    void anMskRecordCarryingAStoreFeatureIsADeadLetterNamingIt() throws Exception {
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(EventScoreTest.DLQ);

        JsonPath response = invoke("msk-caller-features.json");

        assertThat(response.getList("batchItemFailures")).isEmpty();
        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(EventScoreTest.DLQ, dlqFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo("s-0042");
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_REASON)).startsWith(STORE_FEATURE_REASON);
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_OFFSET)).isEqualTo("41");
    }

    private static JsonPath invoke(String fixture) throws Exception {
        String event = Files.readString(Path.of("src/test/resources/events/" + fixture));
        return given().body(event)
                .post(LambdaMockEvents.url())
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }
}
