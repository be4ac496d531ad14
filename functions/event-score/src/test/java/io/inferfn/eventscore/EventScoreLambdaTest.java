package io.inferfn.eventscore;

import java.nio.file.Path;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EventScoreHandler} through the Lambda event path: real SQS and MSK event source mapping
 * payloads (fixtures under {@code src/test/resources/events}) posted to the mock event server, which
 * invokes the handler as the Lambda runtime would.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class EventScoreLambdaTest {

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

    private static JsonPath invoke(String fixture) {
        return LambdaMockEvents.invoke(Path.of("src/test/resources/events/" + fixture));
    }
}
