package io.inferfn.eventscore;

import java.nio.file.Files;
import java.nio.file.Path;
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
import io.inferfn.testing.LambdaMockEvents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * event-score serving a text model (all-MiniLM-L6-v2, fp32) against a real Kafka broker: text messages in, one
 * prediction each with the embedding a direct {@link Scorer#scoreTexts} gives the same text, long texts cut, and every
 * message that is not a usable text a dead letter with its reason; SQS text messages through the Lambda handler.
 */
@QuarkusTest
@TestProfile(TextEventScoreTest.MiniLm.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TextEventScoreTest {

    static final String TEXTS = "texts";
    static final String PREDICTIONS = "text-predictions";
    static final String DLQ = "texts-dlq";

    /** The fp32 demo text model, its own topics and consumer group, at most 8 texts per ORT call. */
    public static class MiniLm implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return topics("file:" + TextModels.minilm(), TEXTS, PREDICTIONS, "text-alerts", DLQ);
        }
    }

    /** A text model's app: its own input topic (and consumer group) and output topics, 8 texts per ORT call. */
    static Map<String, String> topics(String model, String input, String predictions, String alerts, String dlq) {
        Map<String, String> config = new HashMap<>();
        config.put("inferfn.model.locations", model);
        config.put("mp.messaging.incoming.sensor-readings.topic", input);
        config.put("mp.messaging.incoming.sensor-readings.group.id", "event-score-" + input);
        config.put("inferfn.event.predictions-topic", predictions);
        config.put("inferfn.event.alerts-topic", alerts);
        config.put("inferfn.event.dead-letter-topic", dlq);
        config.put("inferfn.event.max-texts-per-call", "8");
        return config;
    }

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    static final List<String> SENTENCES = List.of(
            "The cat sits on the mat.",
            "A feline is resting on a rug, looking out of the window at the birds in the garden.",
            "Café déjà vu 😀",
            "Stocks fell sharply after the announcement.",
            "Quarterly results beat expectations.",
            "Il pleut des cordes à Paris ce matin.",
            "Ünïcödé, \"quotes\" and a tab\there.",
            "ok");

    @Test
    void everyTextGetsOnePredictionEqualToADirectCallAndPoisonGoesToTheDeadLetterTopicWithItsReason() {
        String topic = TEXTS;
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
        String longText = "word ".repeat(5000).trim();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            texts.add(SENTENCES.get(i % SENTENCES.size()) + (i >= SENTENCES.size() ? " (" + i + ")" : ""));
        }
        texts.add(longText);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        Map<String, String> poison = new java.util.LinkedHashMap<>();
        poison.put("p-not-json", "thanks, great service!");
        poison.put("p-no-text", "{\"id\": \"p-no-text\", \"stars\": 4}");
        poison.put("p-empty", "{\"text\": \"\"}");
        poison.put("p-number", "{\"text\": 42}");
        List<String> poisonKeys = List.copyOf(poison.keySet());
        for (int i = 0; i < texts.size(); i++) {
            records.add(Topics.record(topic, "t-" + i, json(texts.get(i))));
            if (i % 8 == 3) { // one poison message among every 8 texts
                String key = poisonKeys.get(i / 8);
                records.add(Topics.record(topic, key, poison.get(key)));
            }
        }
        // keyless: the id comes from the value
        records.add(Topics.record(topic, null, "{\"id\": \"keyless-1\", \"text\": \"Named in the value.\"}"));
        Topics.produce(topic, records);

        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, texts.size() + 1, EventScoreTest.SETTLE, EventScoreTest.MAX);
        List<ConsumerRecord<String, byte[]>> dead =
                Topics.read(DLQ, dlqFrom, poison.size(), EventScoreTest.SETTLE, EventScoreTest.MAX);

        assertThat(predictions).hasSize(texts.size() + 1);
        LoadedModel model = catalog.resolve("minilm");
        List<TextModel.Result> direct = scorer.scoreTexts(model, texts);
        Map<String, JsonPath> byKey = new HashMap<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            JsonPath json = JsonPath.from(Topics.value(p));
            assertThat(json.getString("id")).isEqualTo(p.key());
            assertThat(json.getString("model")).isEqualTo("minilm");
            assertThat(json.getString("version")).isEqualTo("1");
            assertThat(Topics.header(p, EventOutputs.MODEL_HEADER)).isEqualTo("minilm");
            assertThat(Topics.header(p, EventOutputs.VERSION_HEADER)).isEqualTo("1");
            byKey.put(p.key(), json);
        }
        for (int i = 0; i < texts.size(); i++) {
            JsonPath json = byKey.get("t-" + i);
            assertThat(json).as("prediction of t-%d", i).isNotNull();
            List<Float> embedding = json.getList("embedding", Float.class);
            float[] served = new float[embedding.size()];
            for (int h = 0; h < served.length; h++) {
                served[h] = embedding.get(h);
            }
            assertThat(served).hasSize(384);
            assertThat(cosine(served, direct.get(i).embedding()))
                    .as("cosine of t-%d to the direct call", i)
                    .isGreaterThanOrEqualTo(0.9999);
            assertThat(json.getInt("tokens")).isEqualTo(direct.get(i).tokens());
        }
        JsonPath cut = byKey.get("t-" + (texts.size() - 1));
        assertThat(cut.getInt("tokens")).isEqualTo(128);
        assertThat(cut.getBoolean("truncated")).isTrue();
        assertThat(byKey.get("t-0").getBoolean("truncated")).isFalse();
        assertThat(byKey.get("keyless-1")).isNotNull();

        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<String, byte[]> d : dead) {
            reasons.put(d.key(), Topics.header(d, EventOutputs.DLQ_REASON));
            assertThat(Topics.value(d)).isEqualTo(poison.get(d.key())); // the original bytes
            assertThat(Topics.header(d, EventOutputs.DLQ_TOPIC)).isEqualTo(topic);
        }
        assertThat(reasons).containsOnlyKeys(poison.keySet());
        assertThat(reasons.get("p-not-json")).startsWith("value is not valid JSON: ");
        assertThat(reasons.get("p-no-text"))
                .isEqualTo("no 'text' field: expected a JSON object with the text, e.g. {\"id\": \"m-1\", \"text\":"
                        + " \"The cat sits on the mat.\"}");
        assertThat(reasons.get("p-empty")).isEqualTo("'text' is empty: expected the text to score");
        assertThat(reasons.get("p-number")).isEqualTo("'text' must be a string; got a number");
    }

    @Test
    void sqsTextMessagesAreScoredAndTheUnusableOnesAreBatchItemFailures() throws Exception {
        Map<TopicPartition, Long> from = Topics.endOffsets(PREDICTIONS);
        String event = Files.readString(Path.of("src/test/resources/events/sqs-texts.json"));

        JsonPath response = given().contentType("application/json; charset=UTF-8") // the fixture's accents and emoji
                .body(event)
                .post(LambdaMockEvents.url())
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();

        assertThat(response.getList("batchItemFailures.itemIdentifier"))
                .containsExactly("a3f0e9d8-7c6b-4a59-8e47-3d2c1b0a9f8e", "f6e5d4c3-b2a1-4098-8765-4321fedcba98");
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, from, 2, EventScoreTest.SETTLE, EventScoreTest.MAX);
        assertThat(predictions).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("review-101", "review-104");
        LoadedModel model = catalog.resolve("minilm");
        for (ConsumerRecord<String, byte[]> p : predictions) {
            String text = p.key().equals("review-101")
                    ? "The delivery was fast and the soup was still hot."
                    : "Café déjà vu 😀";
            List<Float> embedding = JsonPath.from(Topics.value(p)).getList("embedding", Float.class);
            float[] served = new float[embedding.size()];
            for (int h = 0; h < served.length; h++) {
                served[h] = embedding.get(h);
            }
            assertThat(cosine(
                            served,
                            scorer.scoreTexts(model, List.of(text)).get(0).embedding()))
                    .isGreaterThanOrEqualTo(0.9999);
        }
    }

    static String json(String text) {
        return "{\"text\": " + io.vertx.core.json.Json.encode(text) + "}";
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
