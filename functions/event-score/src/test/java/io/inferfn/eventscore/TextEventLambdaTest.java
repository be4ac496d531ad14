package io.inferfn.eventscore;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.TextModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.LambdaMockEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Text messages through {@link EventScoreHandler} from Kinesis and MSK event source mappings: real-shaped events
 * ({@code src/test/resources/events/kinesis-texts.json}, {@code msk-texts.json}, data and values base64 as AWS sends
 * them) posted to the mock event server of Quarkus' Lambda extension (a stand-in for the Lambda runtime, which cannot
 * run here), scored by the text classifier of {@link TextClassifierEventTest} into a real Kafka broker. Each scored text
 * gets its classes under its id; an unusable Kinesis record comes back by sequence number, an unusable MSK record goes
 * to the dead-letter topic with its reason.
 */
@QuarkusTest
@TestProfile(TextClassifierEventTest.Topic.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TextEventLambdaTest {

    /** Sequence numbers of kinesis-texts.json's records without a text field, not JSON, and too long. */
    static final String SEQ_NO_TEXT = "49638234567890123456789012345678901234567890123456780132";

    static final String SEQ_NOT_JSON = "49638234567890123456789012345678901234567890123456780148";
    static final String SEQ_TOO_LONG = "49638234567890123456789012345678901234567890123456780164";

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Test
    void kinesisTextsAreClassifiedUnderTheirIdsAndTheUnusableRecordsComeBackBySequenceNumber() {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(TextClassifierEventTest.PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(TextClassifierEventTest.ALERTS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(TextClassifierEventTest.DLQ);

        JsonPath response = LambdaMockEvents.invoke(Path.of("src/test/resources/events/kinesis-texts.json"));

        // Lambda retries from the lowest sequence number reported, then hands the range to the on-failure destination
        assertThat(response.getList("batchItemFailures.itemIdentifier"))
                .containsExactly(SEQ_NO_TEXT, SEQ_NOT_JSON, SEQ_TOO_LONG);
        // k-101's partition key only spreads load (the id in its data wins); k-102 names no id (its partition key does)
        Map<String, String> texts = Map.of(
                "k-101", "The striker scored twice in the final.",
                "k-102", "Astronomers found water on the moon.",
                "k-106", "Parliament votes on the budget today.");
        List<ConsumerRecord<String, byte[]>> predictions = Topics.read(
                TextClassifierEventTest.PREDICTIONS, predictionsFrom, 3, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertClassified(predictions, texts, TextClassifierEventTest.ALERTS, alertsFrom);
        // a Kinesis batch answers its failures: none of them is dead-lettered as well
        assertThat(Topics.read(TextClassifierEventTest.DLQ, dlqFrom, 0, EventScoreTest.SETTLE, EventScoreTest.MAX))
                .isEmpty();
    }

    @Test
    void mskTextsAreClassifiedUnderTheirKeysAndTheUnusableRecordsAreDeadLetteredWithTheirReasons() {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(TextClassifierEventTest.PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(TextClassifierEventTest.ALERTS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(TextClassifierEventTest.DLQ);

        JsonPath response = LambdaMockEvents.invoke(Path.of("src/test/resources/events/msk-texts.json"));

        assertThat(response.getList("batchItemFailures")).isEmpty();
        // m-201 by its (base64) key, m-204 (no key) by the id in its value
        List<ConsumerRecord<String, byte[]>> predictions = Topics.read(
                TextClassifierEventTest.PREDICTIONS, predictionsFrom, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertClassified(
                predictions,
                Map.of(
                        "m-201", "Parliament votes on the budget today.",
                        "m-204", "A new comet is visible after sunset."),
                TextClassifierEventTest.ALERTS,
                alertsFrom);
        ConsumerRecord<String, byte[]> traced = predictions.stream()
                .filter(p -> p.key().equals("m-201"))
                .findFirst()
                .orElseThrow();
        assertThat(Topics.header(traced, EventOutputs.TRACEPARENT))
                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(TextClassifierEventTest.DLQ, dlqFrom, 4, EventScoreTest.SETTLE, EventScoreTest.MAX);
        Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();
        dead.forEach(d -> byKey.put(d.key(), d));
        assertThat(byKey).containsOnlyKeys("m-202", "m-203", "m-205", "m-206");
        assertThat(Topics.header(byKey.get("m-202"), EventOutputs.DLQ_REASON))
                .startsWith("value is not base64 (")
                .endsWith("): expected the record's value base64-encoded, as an MSK event source mapping sends it");
        // what the event carried, not a stand-in
        assertThat(Topics.value(byKey.get("m-202"))).isEqualTo("thanks, great service!");
        assertThat(Topics.header(byKey.get("m-203"), EventOutputs.DLQ_REASON))
                .isEqualTo("no 'text' field: expected a JSON object with the text, e.g. {\"id\": \"m-1\", \"text\":"
                        + " \"The cat sits on the mat.\"}");
        assertThat(Topics.value(byKey.get("m-203"))).isEqualTo("{\"id\": \"m-203\", \"stars\": 1}");
        assertThat(Topics.header(byKey.get("m-205"), EventOutputs.DLQ_REASON)).startsWith("value is not valid JSON: ");
        assertThat(Topics.value(byKey.get("m-205"))).isEqualTo("thanks, great service!");
        assertThat(Topics.header(byKey.get("m-206"), EventOutputs.DLQ_REASON))
                .isEqualTo("key 'm-206' and field 'id' ('m-999') name different messages");
        // where each came from: the MSK record's topic, partition and offset
        Map<String, String> positions = Map.of("m-202", "0:41", "m-203", "0:42", "m-205", "1:8", "m-206", "1:9");
        positions.forEach((key, position) -> {
            ConsumerRecord<String, byte[]> d = byKey.get(key);
            assertThat(Topics.header(d, EventOutputs.DLQ_TOPIC)).isEqualTo("texts");
            assertThat(Topics.header(d, EventOutputs.DLQ_PARTITION) + ":" + Topics.header(d, EventOutputs.DLQ_OFFSET))
                    .as("position of %s", key)
                    .isEqualTo(position);
        });
    }

    /**
     * {@code predictions} are exactly {@code texts}' ids, each with the label and probabilities a direct call gives its
     * text, and the alerts topic holds exactly those whose 'science' probability reaches the manifest's threshold.
     */
    private void assertClassified(
            List<ConsumerRecord<String, byte[]>> predictions,
            Map<String, String> texts,
            String alertsTopic,
            Map<TopicPartition, Long> alertsFrom) {
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(texts.keySet());
        LoadedModel model = catalog.resolve("topic");
        float threshold =
                model.manifest().output().classThresholds().get("science").floatValue();
        List<String> expectedAlerts = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            JsonPath json = JsonPath.from(Topics.value(p));
            TextModel.Result want =
                    scorer.scoreTexts(model, List.of(texts.get(p.key()))).get(0);
            assertThat(json.getString("id")).isEqualTo(p.key());
            assertThat(json.getString("model")).isEqualTo("topic");
            assertThat(json.getString("label")).as("label of %s", p.key()).isEqualTo(want.label());
            for (String label : List.of("sports", "politics", "science")) {
                assertThat(json.getFloat("probabilities." + label))
                        .as("%s probability of %s", label, p.key())
                        .isCloseTo(want.probabilities().get(label), within(1e-6f));
            }
            if (want.probabilities().get("science") >= threshold) {
                expectedAlerts.add(p.key());
            }
        }
        List<ConsumerRecord<String, byte[]>> alerts =
                Topics.read(alertsTopic, alertsFrom, expectedAlerts.size(), EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(alerts).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(expectedAlerts);
    }
}
