package io.inferfn.batch;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

import io.inferfn.model.ModelManifest.FeatureType;

/**
 * Up to {@code capacity} rows read from a source, reused from batch to batch, plus the rows the
 * source itself could not read (a malformed CSV line), which go straight to the rejects.
 */
final class SourceBatch extends AbstractList<SourceRow> implements RandomAccess {

    /** A row the source could not turn into features. */
    record Unreadable(String entityId, String reason, String raw) {}

    private final SourceRow[] rows;
    private int size;
    final List<Unreadable> unreadable = new ArrayList<>();
    /** Rows read from the source into this batch, including unreadable ones and other shards' skipped rows. */
    long read;

    SourceBatch(String[] columns, int capacity) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < columns.length; i++) {
            index.put(columns[i], i);
        }
        rows = new SourceRow[capacity];
        for (int i = 0; i < capacity; i++) {
            rows[i] = new SourceRow(columns, index);
        }
    }

    void reset() {
        size = 0;
        read = 0;
        unreadable.clear();
    }

    boolean full() {
        return size == rows.length;
    }

    int capacity() {
        return rows.length;
    }

    /** The next slot to fill; {@link #commit()} keeps it. */
    SourceRow slot() {
        SourceRow row = rows[size];
        row.fields = null;
        return row;
    }

    void commit() {
        size++;
    }

    /** How a record source reads one record: its entity id and the value of the model's column {@code i}. */
    interface Fields<R> {
        Object id(R record);

        Object value(R record, int column);
    }

    /**
     * Reads records of a row source (Parquet, Iceberg) into this batch until it is full or they run out: other shards'
     * rows skipped, a row without an entity id unreadable, each value converted to its column's {@code types[i]}.
     *
     * @return whether any record was read
     */
    <R> boolean fill(Iterator<R> records, RunSpec run, FeatureType[] types, Fields<R> fields) {
        boolean any = false;
        while (!full() && read < capacity() && records.hasNext()) {
            R record = records.next();
            any = true;
            Object id = fields.id(record);
            String entityId = id == null ? null : id.toString();
            if (run.shardCount() > 1 && !Shards.owns(entityId, run.shardIndex(), run.shardCount())) {
                continue;
            }
            read++;
            if (Shards.blank(entityId)) {
                unreadable.add(new Unreadable(
                        null,
                        "the entity id is empty; every row needs one to be scored and written",
                        record.toString()));
                continue;
            }
            SourceRow row = slot();
            row.entityId = entityId;
            for (int i = 0; i < types.length; i++) {
                row.values[i] = Conversions.toFeature(fields.value(record, i), types[i]);
            }
            commit();
        }
        return any;
    }

    @Override
    public SourceRow get(int i) {
        return rows[i];
    }

    @Override
    public int size() {
        return size;
    }
}
