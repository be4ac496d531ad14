package io.inferfn.eventscore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.TextModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * event-score serving a text classifier against a real Kafka broker: each text's label and probabilities on the
 * predictions topic, the ones whose {@code inferfn.event.alert-label} probability reaches the manifest's {@code
 * classThresholds} entry also on the alerts topic, and a text over the model's maximum length (it does not truncate) a
 * dead letter naming its length and the limit, the texts around it scored.
 */
@QuarkusTest
@TestProfile(TextClassifierEventTest.Topic.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TextClassifierEventTest {

    static final String INPUT = "topic-texts";
    static final String PREDICTIONS = "topic-predictions";
    static final String ALERTS = "topic-alerts";
    static final String DLQ = "topic-texts-dlq";

    static final List<String> TEXTS = List.of(
            "The striker scored twice in the final.",
            "Parliament votes on the budget today.",
            "A new comet is visible after sunset.",
            "The coach was sacked after the defeat.",
            "The senator resigned this morning.",
            "Astronomers found water on the moon.",
            "Rain stopped play at the stadium.",
            "Polls close at eight tonight.",
            "The vaccine trial reported results.",
            "Tickets for the derby sold out.");

    /**
     * The classifier at most 16 tokens per text, refusing longer ones, alerting on 'science' at 0.35 (its manifest's
     * classThresholds): the science probabilities of {@link #TEXTS} run from 0.25 to 0.42, so some alert and some do
     * not (the test checks both). The threshold is not computed here by loading the model: DJL's native library may be
     * loaded by one class loader per JVM, and this runs outside the application's.
     */
    public static class Topic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = TextEventScoreTest.topics(
                    "file:" + TextModels.classifier("topic-alerts", 16, false, "{\"science\": 0.35}"),
                    INPUT,
                    PREDICTIONS,
                    ALERTS,
                    DLQ);
            config.put("inferfn.event.alert-label", "science");
            return config;
        }
    }

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Test
    void eachTextGetsItsClassesTheOnesReachingTheAlertLabelsThresholdAlertAndATooLongTextIsADeadLetter() {
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(ALERTS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            records.add(Topics.record(INPUT, "n-" + i, "{\"text\": \"" + TEXTS.get(i) + "\"}"));
            if (i == 4) {
                records.add(Topics.record(INPUT, "n-long", "{\"text\": \"" + "word ".repeat(40) + "\"}"));
            }
        }
        Topics.produce(INPUT, records);

        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, TEXTS.size(), EventScoreTest.SETTLE, EventScoreTest.MAX);
        List<ConsumerRecord<String, byte[]>> alerts =
                Topics.read(ALERTS, alertsFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(DLQ, dlqFrom, 1, EventScoreTest.SETTLE, EventScoreTest.MAX);

        LoadedModel model = catalog.resolve("topic");
        float threshold =
                model.manifest().output().classThresholds().get("science").floatValue();
        List<TextModel.Result> direct = scorer.scoreTexts(model, TEXTS);
        assertThat(predictions).hasSize(TEXTS.size());
        List<String> expectedAlerts = new ArrayList<>();
        Map<String, JsonPath> byKey = new HashMap<>();
        predictions.forEach(p -> byKey.put(p.key(), JsonPath.from(Topics.value(p))));
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonPath json = byKey.get("n-" + i);
            TextModel.Result want = direct.get(i);
            assertThat(json.getString("label")).isEqualTo(want.label());
            for (String label : List.of("sports", "politics", "science")) {
                assertThat(json.getFloat("probabilities." + label))
                        .isCloseTo(want.probabilities().get(label), within(1e-6f));
            }
            assertThat(json.getString("version")).isEqualTo("1");
            if (want.probabilities().get("science") >= threshold) {
                expectedAlerts.add("n-" + i);
            }
        }
        assertThat(expectedAlerts).isNotEmpty().hasSizeLessThan(TEXTS.size());
        assertThat(alerts).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(expectedAlerts);
        alerts.forEach(a -> assertThat(Topics.value(a))
                .isEqualTo(Topics.value(predictions.stream()
                        .filter(p -> p.key().equals(a.key()))
                        .findFirst()
                        .orElseThrow())));

        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo("n-long");
        assertThat(Topics.header(dead.get(0), EventOutputs.DLQ_REASON))
                .isEqualTo("the text is 42 tokens; model topic 1 takes at most 16 (its manifest sets text.truncation"
                        + " false: shorten the text)");
    }
}
