package io.inferfn.eventscore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.BlackHoleRedisTestResource;
import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.SensorReadings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * event-score scores no reading before the feature store's warm-up at start is over: with a Redis that accepts
 * connections but answers nothing from before the start, readings wait (the Kafka channel starts paused) instead of
 * being scored degraded, and once Redis answers, the warm-up ends and they are all scored with their baselines.
 */
@QuarkusTest
@TestProfile(ReadingsWaitForTheWarmUpTest.SilentAtStart.class)
class ReadingsWaitForTheWarmUpTest {

    /** Longer than any scoring call takes here (the test budget is 500 ms): a reading scored meanwhile would show. */
    static final Duration SILENT = Duration.ofSeconds(8);

    public static class SilentAtStart implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(KafkaTestResource.class),
                    new TestResourceEntry(
                            BlackHoleRedisTestResource.class,
                            Map.of(BlackHoleRedisTestResource.SILENT_AT_START, "true")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // the warm-up outlasts the silence: it ends when Redis answers
            return Map.of("inferfn.feature-store.warm-up-timeout", "60s");
        }
    }

    @TestHTTPResource("/q/health/ready")
    String ready;

    @Test
    void readingsProducedWhileRedisIsSilentAtStartAreScoredWithBaselinesOnceItAnswers() {
        SensorData.seedRedis(BlackHoleRedisTestResource.redis());
        List<SensorReadings.Reading> readings = SensorData.readings().subList(0, 200);
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (SensorReadings.Reading r : readings) {
            records.add(Topics.record(EventScoreTest.READINGS, r.sensorId(), r.json()));
        }
        Topics.produce(EventScoreTest.READINGS, records);

        List<ConsumerRecord<String, byte[]>> whileSilent =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, Integer.MAX_VALUE, SILENT, SILENT);
        assertThat(whileSilent)
                .as("predictions while the feature store warms up on a silent Redis")
                .isEmpty();
        JsonPath warming = given().get(ready).then().statusCode(503).extract().jsonPath();
        assertThat(warming.getString("checks.find { it.name == 'inferfn-feature-store' }.data.redis"))
                .startsWith("warming up");

        BlackHoleRedisTestResource.proxy().answerAgain();

        List<ConsumerRecord<String, byte[]>> predictions = Topics.read(
                EventScoreTest.PREDICTIONS,
                predictionsFrom,
                readings.size(),
                EventScoreTest.SETTLE,
                EventScoreTest.MAX);
        assertThat(predictions).hasSize(readings.size());
        for (ConsumerRecord<String, byte[]> p : predictions) {
            assertThat(JsonPath.from(Topics.value(p)).getBoolean("degraded"))
                    .as("reading of %s scored with its baselines", p.key())
                    .isFalse();
        }
    }
}
