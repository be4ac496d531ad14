package io.inferfn.features;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.inferfn.model.ModelManifest;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Derived features and vector assembly, column by column. */
class FeaturePlanTest {

    static final String MANIFEST =
            """
            {"name": "plan", "version": "1", "sha256": "%s", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 13],
               "features": ["ratio", "log", "diff", "band", "hour_utc", "hour_berlin", "dow", "cat", "code", "flag", "txns"]}],
             "features": [
               {"name": "amount", "source": "request"},
               {"name": "ts", "source": "request", "type": "timestamp"},
               {"name": "category", "source": "request", "type": "string", "default": "none"},
               {"name": "code", "source": "request", "default": 7},
               {"name": "merchant", "source": "request", "type": "string", "default": "m0"},
               {"name": "avg", "source": "store", "key": "customer:{entityId}", "field": "avg", "default": 50},
               {"name": "txns", "source": "store", "key": "customer:{entityId}", "field": "txns", "default": 2},
               {"name": "flag", "source": "store", "type": "boolean", "key": "merchant:{merchant}", "field": "risky",
                "default": false, "optional": true},
               {"name": "ratio", "source": "derived", "op": "ratio", "args": ["amount", "avg"], "default": -1},
               {"name": "log", "source": "derived", "op": "log1p", "args": ["amount"]},
               {"name": "diff", "source": "derived", "op": "difference", "args": ["amount", "avg"]},
               {"name": "band", "source": "derived", "op": "bucket", "args": ["amount"], "boundaries": [10, 100]},
               {"name": "hour_utc", "source": "derived", "op": "hour_of_day", "args": ["ts"]},
               {"name": "hour_berlin", "source": "derived", "op": "hour_of_day", "args": ["ts"], "timezone": "Europe/Berlin"},
               {"name": "dow", "source": "derived", "op": "day_of_week", "args": ["ts"]},
               {"name": "cat", "source": "derived", "op": "one_hot", "args": ["category"], "categories": ["a", "b", "c"]}
             ],
             "output": {"tensor": "y"}}"""
                    .formatted("0".repeat(64));

    final FeaturePlan plan =
            new FeaturePlan(ModelManifest.parse(MANIFEST.getBytes(StandardCharsets.UTF_8), "plan/manifest.json"));

    static Map<String, Object> request(double amount) {
        Map<String, Object> f = new HashMap<>();
        f.put("amount", amount);
        f.put("ts", "2026-11-23T23:30:00Z"); // a Monday; 00:30 on Tuesday in Berlin
        f.put("category", "b");
        f.put("merchant", "m-9");
        return f;
    }

    record Result(float[] columns, List<String> missing, boolean degraded, String[] keys) {}

    /** Assembles {@code row} as a trusted source's (which may carry store features). */
    Result assemble(Row row, StoreReplyFactory store) {
        return assemble(plan, row, store, RowOrigin.TRUSTED_SOURCE);
    }

    static Result assemble(FeaturePlan plan, Row row, StoreReplyFactory store, RowOrigin origin) {
        FeatureScratch s = plan.scratch(1);
        plan.readRequest(row, 0, s, -1, origin, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN);
        int keys = plan.storeKeys(List.of(row), s);
        String[] keyCopy = java.util.Arrays.copyOf(s.keys(), keys);
        FloatBuffer out = ByteBuffer.allocateDirect(plan.width() * 4)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        List<String> missing = plan.assemble(0, store.reply(keyCopy, s.fields(), keys), s, out);
        float[] columns = new float[plan.width()];
        out.flip().get(columns);
        return new Result(columns, missing, s.degraded(0), keyCopy);
    }

    interface StoreReplyFactory {
        StoreReply reply(String[] keys, String[][] fields, int count);
    }

    @Test
    void derivesEveryDeclaredOperation() {
        Result r = assemble(
                Row.of("c-1", request(40)), (keys, fields, n) -> StoreReply.of(new String[][] {{"80", "3"}, {"1"}}));
        assertThat(r.keys()).containsExactly("customer:c-1", "merchant:m-9");
        assertThat(r.columns())
                .containsExactly(
                        0.5f, // ratio 40 / 80
                        (float) Math.log1p(40), // log1p
                        -40f, // difference 40 - 80
                        1f, // bucket: 10 <= 40 < 100
                        23f, // hour of day, UTC
                        0f, // hour of day, Europe/Berlin (UTC+1 in November)
                        0f, // Monday
                        0f,
                        1f,
                        0f, // one-hot of "b"
                        7f, // request default
                        1f, // boolean store feature "1"
                        3f); // txns from the store
        assertThat(r.missing()).isEmpty();
        assertThat(r.degraded()).isFalse();
    }

    @Test
    void rowsOfTheSameEntityInABatchFetchTheirHashOnceAndEachGetsItsValues() {
        List<Row> rows = List.of(Row.of("c-1", request(40)), Row.of("c-2", request(40)), Row.of("c-1", request(20)));
        FeatureScratch s = plan.scratch(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            plan.readRequest(rows.get(r), r, s, r, RowOrigin.TRUSTED_SOURCE, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN);
        }
        int keys = plan.storeKeys(rows, s);
        assertThat(java.util.Arrays.copyOf(s.keys(), keys))
                .containsExactly("customer:c-1", "merchant:m-9", "customer:c-2");
        Map<String, String[]> redis = Map.of(
                "customer:c-1", new String[] {"80", "3"},
                "customer:c-2", new String[] {"10", "9"},
                "merchant:m-9", new String[] {"1"});
        String[][] values = new String[keys][];
        for (int k = 0; k < keys; k++) {
            values[k] = redis.get(s.keys()[k]);
        }
        StoreReply reply = StoreReply.of(values);
        float[][] columns = new float[rows.size()][plan.width()];
        for (int r = 0; r < rows.size(); r++) {
            FloatBuffer out = ByteBuffer.allocateDirect(plan.width() * 4)
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            plan.assemble(r, reply, s, out);
            out.flip().get(columns[r]);
        }
        assertThat(columns[0][0]).isEqualTo(0.5f); // 40 / c-1's 80
        assertThat(columns[1][0]).isEqualTo(4f); // 40 / c-2's 10
        assertThat(columns[2][0]).isEqualTo(0.25f); // 20 / c-1's 80, from the one fetch of customer:c-1
        assertThat(columns[2][12]).isEqualTo(3f);
        assertThat(columns[1][12]).isEqualTo(9f);
    }

    @Test
    void missingStoreValuesFallBackToDefaultsAndOnlyRequiredOnesDegrade() {
        Result optionalMissing = assemble(
                Row.of("c-1", request(40)), (keys, fields, n) -> StoreReply.of(new String[][] {{"80", "3"}, {null}}));
        assertThat(optionalMissing.missing()).containsExactly("flag");
        assertThat(optionalMissing.degraded()).isFalse();

        Result requiredMissing = assemble(
                Row.of("c-1", request(40)),
                (keys, fields, n) -> StoreReply.of(new String[][] {{null, "not-a-number"}, {"0"}}));
        assertThat(requiredMissing.missing()).containsExactly("avg", "txns");
        assertThat(requiredMissing.degraded()).isTrue();
        assertThat(requiredMissing.columns()[0]).isEqualTo(0.8f); // 40 / default 50
        assertThat(requiredMissing.columns()[12]).isEqualTo(2f); // txns default
    }

    @Test
    void anUnavailableStoreDegradesWithEveryStoreFeatureMissing() {
        Result r = assemble(Row.of("c-1", request(40)), (keys, fields, n) -> StoreReply.unavailable("down"));
        assertThat(r.missing()).containsExactly("avg", "txns", "flag");
        assertThat(r.degraded()).isTrue();
    }

    @Test
    void storeFeaturesSentWithTheRequestAreUsedWithoutAFetch() {
        Map<String, Object> f = request(40);
        f.put("avg", 20.0);
        f.put("txns", 5);
        Result r = assemble(Row.of("c-1", f), (keys, fields, n) -> StoreReply.of(new String[][] {{"0"}}));
        assertThat(r.keys()).containsExactly("merchant:m-9");
        assertThat(r.columns()[0]).isEqualTo(2f);
        assertThat(r.columns()[12]).isEqualTo(5f);
    }

    @Test
    void ratioByZeroAndLogOfMinusOneUseTheDeclaredDefault() {
        Result r = assemble(
                Row.of("c-1", request(-1)), (keys, fields, n) -> StoreReply.of(new String[][] {{"0", "3"}, {"0"}}));
        assertThat(r.columns()[0]).isEqualTo(-1f); // ratio default
        assertThat(r.columns()[1]).isEqualTo(0f); // log1p(-1) -> default (none declared: 0)
        assertThat(r.columns()[3]).isEqualTo(0f); // bucket below the first boundary
    }

    @Test
    void requestValidationNamesTheFeatureAndTheRowOfABatch() {
        FeatureScratch s = plan.scratch(2);
        Map<String, Object> bad = request(40);
        bad.put("amount", "forty");
        assertThatThrownBy(() -> plan.readRequest(Row.of("c-1", bad), 1, s, 1))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("rows[1]: feature 'amount' must be a number; got the string \"forty\"");
        Map<String, Object> derived = request(40);
        derived.put("log", 3.0);
        assertThatThrownBy(() -> plan.readRequest(Row.of("c-1", derived), 0, s, -1))
                .hasMessageContaining("feature 'log' is derived by the model from other features");
        assertThatThrownBy(() -> plan.readRequest(Row.of(null, request(40)), 0, s, -1))
                .hasMessageContaining("'entityId' is required: model plan reads online features keyed by");
    }

    /** A positional row, as batch sources produce them. */
    record Columns(String entityId, String[] columnNames, Object[] columnValues) implements Row.Columnar {
        @Override
        public Map<String, ?> features() {
            Map<String, Object> map = new HashMap<>();
            for (int c = 0; c < columnNames.length; c++) {
                if (columnValues[c] != null) {
                    map.put(columnNames[c], columnValues[c]);
                }
            }
            return map;
        }
    }

    @Test
    void positionalRowsAssembleExactlyLikeMapRows() {
        String[] names = {"amount", "ts", "category", "merchant", "code", "avg"};
        StoreReplyFactory store = (keys, fields, n) -> StoreReply.of(new String[][] {{"80", "3"}, {"1"}});
        Object[][] rows = {
            {40.0, "2026-11-23T23:30:00Z", "b", "m-9", null, null}, // defaults for code, avg from the store
            {12.5, 1_790_000_000.0, null, "m-1", 3.0, 25.0} // avg supplied by the source: its hash is not fetched
        };
        for (Object[] values : rows) {
            Columns positional = new Columns("c-1", names, values.clone());
            Result byPosition = assemble(positional, store);
            Result byName = assemble(Row.of("c-1", positional.features()), store);
            assertThat(byPosition.columns()).containsExactly(byName.columns());
            assertThat(byPosition.keys()).containsExactly(byName.keys());
            assertThat(byPosition.missing()).isEqualTo(byName.missing());
        }
    }

    @Test
    void positionalRowsAreValidatedLikeMapRows() {
        String[] names = {"amount", "ts", "hour_utc"};
        assertThatThrownBy(() -> assemble(new Columns("c-1", names, new Object[] {1.0, 1.0, 3.0}), null))
                .hasMessageContaining("feature 'hour_utc' is derived by the model from other features");
        assertThatThrownBy(() -> assemble(
                        new Columns("c-1", new String[] {"amount", "ts", "nope"}, new Object[] {1.0, 1.0, 2.0}), null))
                .hasMessageContaining("unknown feature 'nope'");
        assertThatThrownBy(() ->
                        assemble(new Columns("c-1", new String[] {"amount", "ts"}, new Object[] {null, 1.0}), null))
                .hasMessageContaining("feature 'amount' is required");
        assertThatThrownBy(() ->
                        assemble(new Columns("c-1", new String[] {"amount", "ts"}, new Object[] {"lots", 1.0}), null))
                .hasMessageContaining("feature 'amount' must be a number; got the string \"lots\"");
    }

    /** The message {@code readRequest} rejects a trusted source's {@code row} with, as row 3 of a batch. */
    String rejection(Row row) {
        return rejection(row, RowOrigin.TRUSTED_SOURCE, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN);
    }

    String rejection(Row row, RowOrigin origin, Pattern keyValues) {
        FeatureScratch s = plan.scratch(1);
        try {
            plan.readRequest(row, 0, s, 3, origin, keyValues);
        } catch (InvalidRequestException e) {
            return e.getMessage();
        }
        return null;
    }

    @Test
    void positionalRowsAndMapRowsAreRejectedWithTheSameMessage() {
        Object[][] cases = {
            {new String[] {"amount", "ts"}, new Object[] {null, 1.0}, "feature 'amount' is required"},
            {new String[] {"ts"}, new Object[] {1.0}, "feature 'amount' is required"},
            {new String[] {"amount", "ts"}, new Object[] {"lots", 1.0}, "feature 'amount' must be a number"},
            {new String[] {"amount", "ts"}, new Object[] {Double.NaN, 1.0}, "must be a finite number"},
            {new String[] {"amount", "ts"}, new Object[] {1e39, 1.0}, "beyond the float32 range"},
            {new String[] {"amount", "ts"}, new Object[] {1.0, "yesterday"}, "feature 'ts' must be a timestamp"},
            {new String[] {"amount", "ts", "category"}, new Object[] {1.0, 1.0, 7}, "'category' must be a string"},
            {new String[] {"amount", "ts", "avg"}, new Object[] {1.0, 1.0, "high"}, "feature 'avg' must be a number"},
            {new String[] {"amount", "ts", "flag"}, new Object[] {1.0, 1.0, 1}, "'flag' must be a boolean"},
            {new String[] {"amount", "ts", "nope"}, new Object[] {1.0, 1.0, 2.0}, "unknown feature 'nope'; model plan"},
            {new String[] {"amount", "ts", "nope"}, new Object[] {1.0, 1.0, null}, "unknown feature 'nope'"},
            {new String[] {"amount", "ts", "band"}, new Object[] {1.0, 1.0, 2.0}, "feature 'band' is derived"},
            // two problems: request features are checked first, in declaration order, whatever the row's order
            {new String[] {"nope", "ts"}, new Object[] {1.0, "yesterday"}, "feature 'amount' is required"},
            {new String[] {"nope", "amount", "ts"}, new Object[] {1.0, 1.0, "x"}, "feature 'ts' must be a timestamp"},
        };
        for (Object[] c : cases) {
            Columns positional = new Columns("c-1", (String[]) c[0], (Object[]) c[1]);
            Map<String, Object> byName = new HashMap<>();
            for (int i = 0; i < positional.columnNames().length; i++) {
                byName.put(positional.columnNames()[i], positional.columnValues()[i]);
            }
            String message = rejection(positional);
            assertThat(message)
                    .as("positional %s", byName)
                    .startsWith("rows[3]: ")
                    .contains((String) c[2]);
            assertThat(rejection(Row.of("c-1", byName))).as("map %s", byName).isEqualTo(message);
        }
        Columns noEntity = new Columns(" ", new String[] {"amount", "ts"}, new Object[] {1.0, 1.0});
        assertThat(rejection(noEntity))
                .isEqualTo(rejection(Row.of(" ", noEntity.features())))
                .isEqualTo("rows[3]: 'entityId' is required: model plan reads online features keyed by"
                        + " customer:{entityId}");
    }

    @Test
    void aRequiredFeatureMessageListsWhatTheModelTakes() {
        assertThat(rejection(Row.of("c-1", Map.of("ts", 1.0))))
                .isEqualTo("rows[3]: feature 'amount' is required: expected a number; model plan takes amount (number),"
                        + " ts (timestamp), category (string, optional), code (number, optional),"
                        + " merchant (string, optional)");
    }

    @Test
    void aPositionalSourceThatRepeatsAColumnUsesTheFirst() {
        Columns repeated = new Columns(
                "c-1", new String[] {"amount", "ts", "amount"}, new Object[] {40.0, "2026-11-23T23:30:00Z", 1.0});
        StoreReplyFactory store = (keys, fields, n) -> StoreReply.of(new String[][] {{"80", "3"}, {"1"}});
        assertThat(assemble(repeated, store).columns()[0]).isEqualTo(0.5f);
    }

    @Test
    void aCallerMayNotSendAFeatureTheStoreSupplies() {
        Map<String, Object> withAvg = request(40);
        withAvg.put("avg", 1_000_000.0);
        String expected = "rows[3]: feature 'avg' comes from the feature store (customer:{entityId}) and may not be"
                + " sent; model plan takes amount (number), ts (timestamp), category (string, optional),"
                + " code (number, optional), merchant (string, optional)";
        assertThat(rejection(Row.of("c-1", withAvg), RowOrigin.CALLER, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN))
                .isEqualTo(expected);
        Map<String, Object> nullFlag = request(40);
        nullFlag.put("flag", null);
        assertThat(rejection(Row.of("c-1", nullFlag), RowOrigin.CALLER, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN))
                .startsWith("rows[3]: feature 'flag' comes from the feature store (merchant:{merchant})");
        Columns positional = new Columns("c-1", new String[] {"amount", "ts", "avg"}, new Object[] {40.0, 1.0, 9.0});
        assertThat(rejection(positional, RowOrigin.CALLER, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN))
                .isEqualTo(expected);

        // the same row from a trusted source is scored with its own avg, and customer:c-1 is not read
        withAvg.put("txns", 4.0);
        Result trusted = assemble(Row.of("c-1", withAvg), (keys, fields, n) -> StoreReply.of(new String[][] {{"1"}}));
        assertThat(trusted.keys()).containsExactly("merchant:m-9");
        assertThat(trusted.columns()[0]).isEqualTo(40f / 1_000_000f);
    }

    @Test
    void aStoreFeatureTheManifestAcceptsFromCallersMayBeSentByThem() {
        FeaturePlan accepting = new FeaturePlan(ModelManifest.parse(
                MANIFEST.replace("\"field\": \"avg\",", "\"field\": \"avg\", \"acceptFromCaller\": true,")
                        .getBytes(StandardCharsets.UTF_8),
                "plan/manifest.json"));
        Map<String, Object> f = request(40);
        f.put("avg", 80.0);
        StoreReplyFactory store = (keys, fields, n) -> StoreReply.of(new String[][] {{"50", "3"}, {"1"}});
        Result r = assemble(accepting, Row.of("c-1", f), store, RowOrigin.CALLER);
        assertThat(r.columns()[0]).isEqualTo(0.5f); // 40 / the caller's 80, not the store's 50
        assertThat(r.degraded()).isFalse();
        // txns is still store-only
        f.put("txns", 0);
        FeatureScratch s = accepting.scratch(1);
        assertThatThrownBy(() -> accepting.readRequest(
                        Row.of("c-1", f), 0, s, -1, RowOrigin.CALLER, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN))
                .hasMessageStartingWith("feature 'txns' comes from the feature store (customer:{entityId})");
    }

    @Test
    void entityIdsAndOtherKeyValuesMustMatchThePattern() {
        Pattern p = FeaturePlan.DEFAULT_KEY_VALUE_PATTERN;
        assertThat(rejection(Row.of("c-1:admin", request(40)), RowOrigin.CALLER, p))
                .isEqualTo("rows[3]: 'entityId' must match [A-Za-z0-9_.-]{1,128} (it becomes part of the Redis key"
                        + " customer:{entityId}); got the string \"c-1:admin\"");
        assertThat(rejection(Row.of("x".repeat(129), request(40)), RowOrigin.CALLER, p))
                .startsWith("rows[3]: 'entityId' must match");
        assertThat(rejection(Row.of("c-1", request(40)), RowOrigin.TRUSTED_SOURCE, p))
                .isNull();
        Map<String, Object> merchant = request(40);
        merchant.put("merchant", "*");
        assertThat(rejection(Row.of("c-1", merchant), RowOrigin.TRUSTED_SOURCE, p))
                .isEqualTo("rows[3]: feature 'merchant' must match [A-Za-z0-9_.-]{1,128} (it becomes part of the"
                        + " Redis key merchant:{merchant}); got the string \"*\"");
        // a deployment whose ids hold ':' configures a wider pattern
        assertThat(rejection(Row.of("tenant:c-1", request(40)), RowOrigin.CALLER, Pattern.compile("[a-z0-9:-]+")))
                .isNull();
    }
}
