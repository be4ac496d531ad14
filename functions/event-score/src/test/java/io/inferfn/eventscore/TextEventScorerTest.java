package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.TextModel;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Text messages through {@link EventScorer#scoreTexts} with a real tokenizer and a real ONNX Runtime session: the
 * readable texts of a batch scored in calls of at most {@code max-texts-per-call}, each message's result what a
 * direct call gives its text, every unusable message set aside with a reason that says what was expected.
 */
class TextEventScorerTest {

    static LoadedModel topic;
    static LoadedModel strict;

    /** The number of texts in each ONNX Runtime call, as the scorer's observer sees them. */
    static final List<Integer> calls = new CopyOnWriteArrayList<>();

    static final Scorer SCORER = new Scorer(
            FeatureStore.EMPTY,
            io.inferfn.features.FeaturePlan.DEFAULT_KEY_VALUE_PATTERN,
            new Scorer.Observer() {
                @Override
                public void scored(LoadedModel model, List<io.inferfn.scoring.Prediction> p, long a, long i) {}

                @Override
                public void scoredTexts(LoadedModel model, int texts, long tokenizeNanos, long inferenceNanos) {
                    calls.add(texts);
                }
            },
            null);

    record Msg(String key, byte[] value, boolean keyIsFallback) implements EventScorer.Message {
        static Msg of(String key, String json) {
            return new Msg(key, json == null ? null : json.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    @BeforeAll
    static void load() {
        ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
        topic = registry.load("file:" + TextModels.classifier("topic", 64, true));
        strict = registry.load("file:" + TextModels.classifier("topic-strict", 16, false));
    }

    @AfterAll
    static void close() {
        topic.close();
        strict.close();
    }

    static EventScorer events(int maxTextsPerCall) {
        return new EventScorer(SCORER, new EventReadings("sensorId"), new EventTexts("text", "id"), maxTextsPerCall);
    }

    static String text(int i) {
        return "Message number " + i + " about "
                + List.of("football", "the election", "a comet").get(i % 3);
    }

    @Test
    void aBatchIsScoredInCallsOfAtMostMaxTextsPerCallAndEachTextGetsWhatADirectCallGivesIt() {
        List<Msg> batch = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            texts.add(text(i));
            batch.add(Msg.of("m-" + i, "{\"text\": \"" + text(i) + "\"}"));
            if (i == 4) {
                batch.add(Msg.of("bad", "not json")); // set aside: not in any call
            }
        }
        calls.clear();

        EventScorer.TextOutcomes out = events(4).scoreTexts(topic, batch);

        assertThat(calls).containsExactly(4, 4, 2);
        List<TextModel.Result> direct = SCORER.scoreTexts(topic, texts);
        int t = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).key().equals("bad")) {
                assertThat(out.results()[i]).isNull();
                assertThat(out.rejections()[i]).startsWith("value is not valid JSON");
                continue;
            }
            TextModel.Result r = out.results()[i];
            assertThat(out.ids()[i]).isEqualTo("m-" + t);
            assertThat(out.rejections()[i]).isNull();
            assertThat(r.label()).isEqualTo(direct.get(t).label());
            for (String label : List.of("sports", "politics", "science")) {
                assertThat(r.probabilities().get(label))
                        .isCloseTo(direct.get(t).probabilities().get(label), within(1e-6f));
            }
            t++;
        }
    }

    @Test
    void everyUnusableMessageIsSetAsideWithWhatWasExpectedAndTheOthersAreScored() {
        String expected = "expected a JSON object with the text, e.g. {\"id\": \"m-1\", \"text\": \"The cat sits on"
                + " the mat.\"}";
        List<Msg> batch = List.of(
                Msg.of("a", "{\"text\": \"Goal in the last minute\"}"),
                Msg.of("b", "{\"id\": \"b\"}"),
                Msg.of("c", "{\"text\": \"\"}"),
                Msg.of("d", "{\"text\": \"   \"}"),
                Msg.of("e", "{\"text\": 42}"),
                Msg.of("f", "{\"text\": [\"a\", \"b\"]}"),
                Msg.of("g", "[\"text\"]"),
                Msg.of("h", "{\"text\": \"a\", \"text\": \"b\"}"),
                Msg.of("i", null),
                new Msg("j", new byte[] {(byte) 0xff, 0x00}, false),
                Msg.of("k", "{\"text\": \"x\"} {}"),
                Msg.of("l", "{\"id\": \"other\", \"text\": \"a vote\"}"),
                Msg.of(null, "{\"id\": \"m\", \"text\": \"a comet\", \"lang\": \"en\", \"meta\": {\"a\": [1, 2]}}"),
                Msg.of(null, "{\"id\": 17, \"text\": \"seventeen\"}"),
                Msg.of(null, "{\"text\": \"no id at all\"}"),
                new Msg(
                        "shard-key",
                        "{\"id\": \"p\", \"text\": \"routing key\"}".getBytes(StandardCharsets.UTF_8),
                        true),
                new Msg("q", "{\"text\": \"the key names it\"}".getBytes(StandardCharsets.UTF_8), true));

        EventScorer.TextOutcomes out = events(64).scoreTexts(topic, batch);

        String[] reasons = out.rejections();
        assertThat(reasons[1]).isEqualTo("no 'text' field: " + expected);
        assertThat(reasons[2]).isEqualTo("'text' is empty: expected the text to score");
        assertThat(reasons[3]).isEqualTo("'text' is blank: expected the text to score");
        assertThat(reasons[4]).isEqualTo("'text' must be a string; got a number");
        assertThat(reasons[5]).isEqualTo("'text' must be a string; got an array");
        assertThat(reasons[6]).isEqualTo("value is not a JSON object: " + expected + "; got an array");
        assertThat(reasons[7]).isEqualTo("field 'text' appears twice");
        assertThat(reasons[8]).isEqualTo("empty value: " + expected);
        assertThat(reasons[9]).startsWith("value is not valid JSON: ");
        assertThat(reasons[10]).startsWith("trailing content after the JSON object");
        assertThat(reasons[11]).isEqualTo("key 'l' and field 'id' ('other') name different messages");
        for (int i = 1; i <= 11; i++) {
            assertThat(out.results()[i]).as("message %d", i).isNull();
            assertThat(out.reasons()[i]).isEqualTo(EventMetrics.DeadLetterReason.UNREADABLE);
        }
        // the scored ones, with the id each prediction carries: the key, else the value's id field
        assertThat(new String[] {out.ids()[0], out.ids()[12], out.ids()[13], out.ids()[14], out.ids()[15], out.ids()[16]
                })
                .containsExactly("a", "m", "17", null, "p", "q");
        for (int i : new int[] {0, 12, 13, 14, 15, 16}) {
            assertThat(out.rejections()[i]).isNull();
            assertThat(out.results()[i].probabilities()).containsOnlyKeys("sports", "politics", "science");
        }
    }

    @Test
    void aLongTextIsCutWhenTheModelTruncatesAndSetAsideWhenItDoesNotTheRestScoredEitherWay() {
        String longText = "word ".repeat(100).trim();
        List<Msg> batch = List.of(
                Msg.of("short", "{\"text\": \"a short one\"}"),
                Msg.of("long", "{\"text\": \"" + longText + "\"}"),
                Msg.of("after", "{\"text\": \"another short one\"}"));

        EventScorer.TextOutcomes cut = events(64).scoreTexts(topic, batch);
        EventScorer.TextOutcomes refused = events(64).scoreTexts(strict, batch);

        assertThat(cut.rejections()).containsOnlyNulls();
        assertThat(cut.results()[1].tokens()).isEqualTo(64);
        assertThat(cut.results()[1].truncated()).isTrue();
        assertThat(cut.results()[0].truncated()).isFalse();

        assertThat(refused.rejections()[1])
                .isEqualTo("the text is 102 tokens; model topic 1 takes at most 16 (its manifest sets"
                        + " text.truncation false: shorten the text)");
        assertThat(refused.reasons()[1]).isEqualTo(EventMetrics.DeadLetterReason.REJECTED_BY_MODEL);
        assertThat(refused.results()[0]).isNotNull();
        assertThat(refused.results()[2]).isNotNull();
        assertThat(refused.results()[0].probabilities())
                .isEqualTo(
                        SCORER.scoreTexts(strict, List.of("a short one")).get(0).probabilities());
    }

    @Test
    void aTextClassifiersAlertWatchesOneOfItsClassesAtAThresholdAndAMistakeInEitherSaysWhich() {
        assertThat(EventBatches.textAlert(topic, java.util.Optional.empty(), java.util.OptionalDouble.of(0.5)))
                .isNull();
        assertThat(EventBatches.textAlert(topic, java.util.Optional.of("science"), java.util.OptionalDouble.of(0.4)))
                .isEqualTo(new EventBatches.TextAlert("science", 0.4f));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventBatches.textAlert(
                        topic, java.util.Optional.of("weather"), java.util.OptionalDouble.of(0.4)))
                .hasMessage("inferfn.event.alert-label is 'weather', which is not a class of model topic 1; its"
                        + " classes are [sports, politics, science]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventBatches.textAlert(
                        topic, java.util.Optional.of("science"), java.util.OptionalDouble.empty()))
                .hasMessage("inferfn.event.alert-label is 'science' and no threshold is set: set"
                        + " inferfn.event.alert-threshold (a probability) or model topic 1's"
                        + " output.classThresholds['science']");
    }
}
