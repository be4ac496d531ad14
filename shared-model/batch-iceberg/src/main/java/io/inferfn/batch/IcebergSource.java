package io.inferfn.batch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.types.Types;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Rows of an Iceberg table's current snapshot (Iceberg's generic reader, only the entity column and the columns the
 * model takes), converted to the types the model declares like every other source. Other shards' rows are skipped by
 * {@link Shards}, as in a file source; the snapshot's record count gives the ETA.
 */
final class IcebergSource implements RowSource {

    private static final Logger LOG = Logger.getLogger(IcebergSource.class);

    private final String table;
    private final String[] columns;
    private final FeatureType[] types;
    /** Positions in the projected record: the entity id, then each of {@link #columns}. */
    private final int entity;

    private final int[] positions;
    private final RunSpec run;
    private final long estimated;
    private final CloseableIterable<Record> scan;
    private final CloseableIterator<Record> rows;

    private final SourceBatch.Fields<Record> fields = new SourceBatch.Fields<>() {
        @Override
        public Object id(Record record) {
            return record.get(entity);
        }

        @Override
        public Object value(Record record, int column) {
            return record.get(positions[column]);
        }
    };

    IcebergSource(Table source, String entityColumn, String textColumn, LoadedModel model, RunSpec run) {
        this.table = source.name();
        this.run = run;
        Schema schema = source.schema();
        String entityName = null;
        List<String> cols = new ArrayList<>();
        List<FeatureType> typ = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (Types.NestedField field : schema.columns()) {
            String name = field.name();
            if (entityName == null && name.equalsIgnoreCase(entityColumn)) {
                entityName = name;
            } else if (Conversions.feeds(model, textColumn, name)) {
                cols.add(name);
                typ.add(Conversions.type(model, name));
            } else {
                ignored.add(name);
            }
        }
        if (entityName == null) {
            throw new InvalidRequestException("source iceberg:" + table + " has no column '" + entityColumn
                    + "'; set inferfn.batch.entity-column to the column holding the entity id");
        }
        if (!ignored.isEmpty()) {
            LOG.infof("iceberg table %s: ignoring columns the model does not take: %s", table, ignored);
        }
        columns = cols.toArray(String[]::new);
        types = typ.toArray(FeatureType[]::new);
        List<String> selected = new ArrayList<>(cols);
        selected.add(entityName);
        // the projection keeps the table's column order: find each column's position in it
        Schema projected = schema.select(selected);
        entity = projected.columns().indexOf(projected.findField(entityName));
        positions = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
            positions[i] = projected.columns().indexOf(projected.findField(columns[i]));
        }
        Snapshot current = source.currentSnapshot();
        long total = current == null ? 0 : Long.parseLong(current.summary().getOrDefault("total-records", "0"));
        estimated = total / run.shardCount();
        scan = IcebergGenerics.read(source).select(selected).build();
        rows = scan.iterator();
    }

    @Override
    public String[] columns() {
        return columns;
    }

    @Override
    public boolean next(SourceBatch batch) {
        return batch.fill(rows, run, types, fields);
    }

    @Override
    public long estimatedRows() {
        return estimated;
    }

    @Override
    public String describe() {
        return "iceberg table " + table;
    }

    @Override
    public void close() throws IOException {
        try {
            rows.close();
        } finally {
            scan.close();
        }
    }
}
