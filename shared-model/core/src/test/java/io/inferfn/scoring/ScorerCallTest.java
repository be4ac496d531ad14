package io.inferfn.scoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Scorer.Call}: scoring split at its store round trip, as an event loop drives it. */
class ScorerCallTest {

    static final String MANIFEST =
            """
            {"name": "tiny", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"},
               {"name": "b", "source": "store", "key": "e:{entityId}", "field": "b", "default": 0}],
             "output": {"tensor": "y", "thresholds": [0.7], "labels": ["low", "high"]}}""";

    /** A store whose asynchronous replies wait until the test hands them over, like Redis' on an event loop. */
    static final class HeldStore implements FeatureStore {
        final List<Runnable> pending = new ArrayList<>();

        @Override
        public StoreReply fetch(String[] keys, String[][] fields, int count) {
            return reply(keys, count);
        }

        @Override
        public void fetchAsync(String[] keys, String[][] fields, int count, Consumer<StoreReply> done) {
            StoreReply reply = reply(keys, count); // read now: the caller's arrays are only lent for the call
            pending.add(() -> done.accept(reply));
        }

        /** Field b of entity e:<n> is n. */
        private static StoreReply reply(String[] keys, int count) {
            String[][] values = new String[count][];
            for (int k = 0; k < count; k++) {
                values[k] = new String[] {keys[k].substring(2)};
            }
            return StoreReply.of(values);
        }
    }

    @Test
    void callsInterleavedOnOneThreadKeepTheirOwnRowsAndScoreLikeBlockingCalls() throws Exception {
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, 1f}, 0f);
        try (LoadedModel model =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            HeldStore store = new HeldStore();
            Scorer scorer = new Scorer(store);
            Row first = Row.of("1", Map.of("a", 0.5));
            Row second = Row.of("3", Map.of("a", -1.0));
            List<Row> batch = List.of(Row.of("2", Map.of("a", 0.0)), Row.of("4", Map.of("a", 1.0)));

            // three calls begun and waiting for their replies at once, on this one thread
            List<List<Prediction>> answers = new ArrayList<>(List.of(List.of(), List.of(), List.of()));
            scorer.begin(model, first).fetch(call -> answers.set(0, call.finish()));
            scorer.beginBatch(model, batch).fetch(call -> answers.set(1, call.finish()));
            scorer.begin(model, second).fetch(call -> answers.set(2, call.finish()));
            assertThat(store.pending).hasSize(3);
            for (int i = store.pending.size() - 1; i >= 0; i--) { // replies in another order than asked
                store.pending.get(i).run();
            }

            assertThat(answers.get(0)).containsExactly(scorer.score(model, first));
            assertThat(answers.get(1)).containsExactlyElementsOf(scorer.scoreBatch(model, batch));
            assertThat(answers.get(2)).containsExactly(scorer.score(model, second));
            assertThat(answers.get(2).get(0).score()).isEqualTo((float) ScorerTest.sigmoid(-1.0 + 3));
        }
    }

    @Test
    void aBadRowIsRejectedBeforeAnyRoundTrip() throws Exception {
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, 1f}, 0f);
        try (LoadedModel model =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            HeldStore store = new HeldStore();
            Scorer scorer = new Scorer(store);
            assertThatThrownBy(() -> scorer.beginBatch(
                            model, List.of(Row.of("1", Map.of("a", 1.0)), Row.of("2", Map.of("a", "x")))))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("rows[1]");
            assertThat(store.pending).isEmpty();
        }
    }
}
