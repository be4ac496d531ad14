package io.inferfn.batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.jerolba.carpet.CarpetReader;
import com.jerolba.carpet.CloseableIterator;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.Type;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Rows from a Parquet file (Carpet over parquet-java, streamed row group by row group), converted
 * to the types the model declares like every other source. Other shards' rows are skipped by
 * {@link Shards}; the row count in the footer gives the ETA.
 */
final class ParquetSource implements RowSource {

    private static final Logger LOG = Logger.getLogger(ParquetSource.class);

    private final Path file;
    private final String entityColumn;
    private final String[] columns;
    private final FeatureType[] types;
    private final RunSpec run;
    private final long estimated;
    private final CloseableIterator<Map> rows;

    @SuppressWarnings({"rawtypes", "unchecked"})
    ParquetSource(Path file, String entityColumn, String textColumn, LoadedModel model, RunSpec run)
            throws IOException {
        this.file = file;
        this.run = run;
        if (!Files.isReadable(file)) {
            throw new InvalidRequestException("source file " + file + " does not exist or is not readable");
        }
        List<String> cols = new ArrayList<>();
        List<FeatureType> typ = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        String entity = null;
        long total = 0;
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(file))) {
            for (Type field : footer.getFileMetaData().getSchema().getFields()) {
                String name = field.getName();
                if (entity == null && name.equalsIgnoreCase(entityColumn)) {
                    entity = name;
                } else if (Conversions.feeds(model, textColumn, name)) {
                    cols.add(name);
                    typ.add(Conversions.type(model, name));
                } else {
                    ignored.add(name);
                }
            }
            for (BlockMetaData block : footer.getRowGroups()) {
                total += block.getRowCount();
            }
        } catch (RuntimeException | IOException e) {
            throw new InvalidRequestException(
                    "source file " + file + " is not a readable Parquet file: " + e.getMessage());
        }
        if (entity == null) {
            throw new InvalidRequestException("source file " + file + " has no column '" + entityColumn
                    + "'; set inferfn.batch.entity-column to the column holding the entity id");
        }
        if (!ignored.isEmpty()) {
            LOG.infof("file %s: ignoring columns the model does not take: %s", file, ignored);
        }
        this.entityColumn = entity;
        columns = cols.toArray(String[]::new);
        types = typ.toArray(FeatureType[]::new);
        estimated = total / run.shardCount();
        rows = new CarpetReader<>(file.toFile(), Map.class).iterator();
    }

    @Override
    public String[] columns() {
        return columns;
    }

    @Override
    public boolean next(SourceBatch batch) {
        boolean any = false;
        while (!batch.full() && batch.read < batch.capacity() && rows.hasNext()) {
            Map<?, ?> record = rows.next();
            any = true;
            Object id = record.get(entityColumn);
            String entityId = id == null ? null : id.toString();
            if (run.shardCount() > 1 && !Shards.owns(entityId, run.shardIndex(), run.shardCount())) {
                continue;
            }
            batch.read++;
            if (Shards.blank(entityId)) {
                batch.unreadable.add(new SourceBatch.Unreadable(
                        null,
                        "the entity id is empty; every row needs one to be scored and written",
                        record.toString()));
                continue;
            }
            SourceRow row = batch.slot();
            row.entityId = entityId;
            for (int i = 0; i < columns.length; i++) {
                row.values[i] = Conversions.toFeature(record.get(columns[i]), types[i]);
            }
            batch.commit();
        }
        return any;
    }

    @Override
    public long estimatedRows() {
        return estimated;
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }
}
