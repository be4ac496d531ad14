package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.localstack.SensorReadings;
import io.inferfn.testing.GrafanaDashboard;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /q/metrics} of event-score after known readings through a real Kafka broker: each reading,
 * alert and dead letter counted once, the dead letters under their reason; the Kafka consumer's own
 * metrics (its lag) served beside them.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class EventMetricsTest {

    static final Duration SETTLE = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofSeconds(90);

    @TestHTTPResource("/q/metrics")
    String metrics;

    @BeforeAll
    static void seed() {
        SensorData.seedRedis(RedisTestResource.redis());
    }

    PrometheusText scrape() {
        return PrometheusText.parse(
                given().get(metrics).then().statusCode(200).extract().asString());
    }

    static double deadLetters(PrometheusText m, String reason) {
        return m.sum("inferfn_events_dead_letters_total", "reason", reason);
    }

    static double readings(PrometheusText m, String outcome) {
        return m.sum("inferfn_events_readings_total", "model", "sensor-anomaly", "version", "2", "outcome", outcome);
    }

    @Test
    void readingsAlertsAndEachPoisonReadingAreCountedOnceUnderTheirReason() {
        PrometheusText before = scrape();
        SensorReadings.Reading good = SensorData.readings().get(0);
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(EventScoreTest.PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(EventScoreTest.ALERTS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(EventScoreTest.DLQ);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        List<SensorReadings.Reading> goods = SensorData.readings().subList(0, 40);
        for (SensorReadings.Reading r : goods) {
            records.add(Topics.record(EventScoreTest.READINGS, r.sensorId(), r.json()));
        }
        // not JSON: unreadable; {}: the model's required features are missing; no key and no sensorId field
        records.add(new ProducerRecord<>(
                EventScoreTest.READINGS, "poison-not-json", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41}));
        records.add(
                new ProducerRecord<>(EventScoreTest.READINGS, "poison-missing", "{}".getBytes(StandardCharsets.UTF_8)));
        records.add(
                new ProducerRecord<>(EventScoreTest.READINGS, null, good.json().getBytes(StandardCharsets.UTF_8)));
        Topics.produce(EventScoreTest.READINGS, records);

        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(EventScoreTest.PREDICTIONS, predictionsFrom, goods.size(), SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> alerts = Topics.read(EventScoreTest.ALERTS, alertsFrom, 0, SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> dead = Topics.read(EventScoreTest.DLQ, dlqFrom, 3, SETTLE, MAX);
        assertThat(predictions).hasSize(goods.size());
        assertThat(dead).hasSize(3);

        // the counters move as the batch's outputs are handed over; wait for the last, then expect exact figures
        await().atMost(Duration.ofSeconds(30))
                .until(() -> deadLetters(scrape(), "no_entity_id") > deadLetters(before, "no_entity_id"));
        PrometheusText after = scrape();
        assertThat(readings(after, "ok") - readings(before, "ok")).isEqualTo(goods.size());
        assertThat(readings(after, "degraded") - readings(before, "degraded")).isZero();
        assertThat(after.sum("inferfn_predictions_total", "function", "event-score", "model", "sensor-anomaly")
                        - before.sum("inferfn_predictions_total", "function", "event-score", "model", "sensor-anomaly"))
                .isEqualTo(goods.size());
        assertThat(after.sum("inferfn_events_alerts_total", "model", "sensor-anomaly")
                        - before.sum("inferfn_events_alerts_total", "model", "sensor-anomaly"))
                .isEqualTo(alerts.size());
        assertThat(deadLetters(after, "unreadable") - deadLetters(before, "unreadable"))
                .isEqualTo(1);
        assertThat(deadLetters(after, "rejected_by_model") - deadLetters(before, "rejected_by_model"))
                .isEqualTo(1);
        assertThat(deadLetters(after, "no_entity_id") - deadLetters(before, "no_entity_id"))
                .isEqualTo(1);
        assertThat(deadLetters(after, "scoring_failed") - deadLetters(before, "scoring_failed"))
                .isZero();
        // every message of every poll, and a lag sample per prediction
        assertThat(after.sum("inferfn_events_poll_size_sum") - before.sum("inferfn_events_poll_size_sum"))
                .isEqualTo(records.size());
        assertThat(after.sum("inferfn_events_lag_seconds_count") - before.sum("inferfn_events_lag_seconds_count"))
                .isEqualTo(goods.size());
        // the Kafka client's own metrics: the consumer's lag behind the partition's end
        assertThat(after.names()).anyMatch(n -> n.startsWith("kafka_consumer_fetch_manager_records_lag"));
        // and every name the Grafana dashboard reads from event-score
        assertThat(after.names()).containsAll(GrafanaDashboard.servedBy("event-score"));
    }
}
