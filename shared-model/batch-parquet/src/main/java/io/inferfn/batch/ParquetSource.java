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

    @SuppressWarnings("rawtypes") // Carpet reads a row as the raw Map it was asked for (Map.class)
    private final SourceBatch.Fields<Map> fields = new SourceBatch.Fields<>() {
        @Override
        public Object id(Map record) {
            return record.get(entityColumn);
        }

        @Override
        public Object value(Map record, int column) {
            return record.get(columns[column]);
        }
    };

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
        return batch.fill(rows, run, types, fields);
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
