package io.inferfn.spark;

import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

import io.inferfn.batch.BatchValues;
import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

/**
 * Scores one partition on an executor: the rows in batches ({@code batchSize}, 1,024 by default), each batch one
 * pipelined Redis read and one ONNX Runtime call through the batch core ({@link Scorer#scoreValid}, the call
 * batch-score makes), with the executor's one session of the shipped model. Each scored row becomes one output row of
 * {@link #SCHEMA}; a rejected row goes to the run's {@link RunTally} with the reason instead, and every row is counted
 * there.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {

    /** One scored row; the run's constants (run id, model, times) are added by the driver. */
    static final StructType SCHEMA = new StructType()
            .add("entity_id", DataTypes.StringType, false)
            .add("score", DataTypes.FloatType, false)
            .add("label", DataTypes.StringType, true)
            .add("probabilities", DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false), true)
            .add("stages", DataTypes.StringType, true)
            .add("degraded", DataTypes.BooleanType, false)
            .add("missing_features", DataTypes.StringType, true);

    /** Called before each batch is scored, in tests only (a fault injected on an executor); null otherwise. */
    static volatile Runnable beforeBatchForTests;

    private final Broadcast<ModelShipment> model;
    private final int entityIndex;
    private final String[] columns;
    private final int[] columnIndex;
    private final FeatureType[] types;
    private final String redis;
    private final int redisTimeoutMillis;
    private final int batchSize;
    private final RunTally tally;

    /**
     * @param entityIndex the entity column's position in the input rows
     * @param columns the input columns the model takes, by the names its manifest gives them
     * @param columnIndex their positions in the input rows
     * @param types the type the model declares for each
     * @param redis the online store, or null for none
     * @param tally the run's counts and rejects (registered on the driver)
     */
    PartitionScorer(
            Broadcast<ModelShipment> model,
            int entityIndex,
            String[] columns,
            int[] columnIndex,
            FeatureType[] types,
            String redis,
            int redisTimeoutMillis,
            int batchSize,
            RunTally tally) {
        this.model = model;
        this.entityIndex = entityIndex;
        this.columns = columns;
        this.columnIndex = columnIndex;
        this.types = types;
        this.redis = redis;
        this.redisTimeoutMillis = redisTimeoutMillis;
        this.batchSize = batchSize;
        this.tally = tally;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        LoadedModel loaded = model.value().load();
        FeatureStore store = redis == null ? FeatureStore.EMPTY : JedisFeatureStore.shared(redis, redisTimeoutMillis);
        Scorer scorer = new Scorer(store);
        Batch batch = new Batch(columns, batchSize);
        ArrayDeque<Row> out = new ArrayDeque<>();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                while (out.isEmpty() && input.hasNext()) {
                    scoreNext(input, loaded, scorer, batch, out);
                }
                return !out.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return out.poll();
            }
        };
    }

    private void scoreNext(Iterator<Row> input, LoadedModel loaded, Scorer scorer, Batch batch, ArrayDeque<Row> out) {
        batch.size = 0;
        while (batch.size < batch.rows.length && input.hasNext()) {
            Row row = input.next();
            Object id = row.get(entityIndex);
            String entityId = id == null ? null : id.toString();
            FeatureRow slot = batch.rows[batch.size];
            for (int i = 0; i < columns.length; i++) {
                slot.raw[i] = row.get(columnIndex[i]);
            }
            if (BatchValues.blankEntity(entityId)) {
                tally.add(new RunTally.Reject(
                        null, "the entity id is empty; every row needs one to be scored and written", slot.describe()));
                continue;
            }
            slot.entityId = entityId;
            for (int i = 0; i < columns.length; i++) {
                slot.values[i] = BatchValues.toFeature(slot.raw[i], types[i]);
            }
            batch.size++;
        }
        if (batch.size == 0) {
            return;
        }
        Runnable fault = beforeBatchForTests;
        if (fault != null) {
            fault.run();
        }
        List<Prediction> predictions = scorer.scoreValid(
                loaded,
                batch,
                RowOrigin.TRUSTED_SOURCE,
                (index, row, reason) ->
                        tally.add(new RunTally.Reject(row.entityId(), reason, ((FeatureRow) row).describe())));
        for (Prediction p : predictions) {
            tally.scored(p.degraded());
            out.add(RowFactory.create(
                    p.entityId(),
                    p.score(),
                    p.label(),
                    p.probabilities() == null ? null : CollectionConverters.asScala(p.probabilities()),
                    BatchValues.stagesJson(p),
                    p.degraded(),
                    p.missingFeatures().isEmpty() ? null : String.join(",", p.missingFeatures())));
        }
    }

    /** A source row as the scoring core reads it: its entity id and the model's columns, by position. */
    private static final class FeatureRow implements io.inferfn.scoring.Row.Columnar {
        final String[] columns;
        final Object[] values;
        final Object[] raw;
        String entityId;

        FeatureRow(String[] columns) {
            this.columns = columns;
            this.values = new Object[columns.length];
            this.raw = new Object[columns.length];
        }

        @Override
        public String entityId() {
            return entityId;
        }

        @Override
        public Map<String, ?> features() {
            Map<String, Object> map = new java.util.HashMap<>();
            for (int i = 0; i < columns.length; i++) {
                map.put(columns[i], values[i]);
            }
            return map;
        }

        @Override
        public String[] columnNames() {
            return columns;
        }

        @Override
        public Object[] columnValues() {
            return values;
        }

        /** The row as text for the rejects: column=value pairs as the source gave them. */
        String describe() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(columns[i]).append('=').append(raw[i]);
            }
            return sb.toString();
        }
    }

    /** Up to {@code capacity} rows, reused from batch to batch. */
    private static final class Batch extends AbstractList<FeatureRow> implements RandomAccess {
        final FeatureRow[] rows;
        int size;

        Batch(String[] columns, int capacity) {
            rows = new FeatureRow[capacity];
            for (int i = 0; i < capacity; i++) {
                rows[i] = new FeatureRow(columns);
            }
        }

        @Override
        public FeatureRow get(int i) {
            return rows[i];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
