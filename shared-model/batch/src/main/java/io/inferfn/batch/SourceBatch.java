package io.inferfn.batch;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

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

    @Override
    public SourceRow get(int i) {
        return rows[i];
    }

    @Override
    public int size() {
        return size;
    }
}
