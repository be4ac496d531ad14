package io.inferfn.batch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Rows from a CSV file with a header line (Jackson's streaming CSV parser), converted to the types
 * the model declares. A value that does not convert is passed through as text, so scoring rejects
 * its row with the same message an HTTP caller would get; a line with the wrong number of fields
 * is rejected here. Other shards' rows are skipped by {@link Shards}.
 */
final class CsvSource implements RowSource {

    private static final Logger LOG = Logger.getLogger(CsvSource.class);

    private final Path file;
    private final InputStream in;
    private final MappingIterator<String[]> lines;
    private final int entityAt;
    private final int fields;
    private final String[] columns;
    private final int[] positions;
    private final FeatureType[] types;
    private final RunSpec run;
    private final long size;
    private long line = 1;

    CsvSource(Path file, String entityColumn, String textColumn, LoadedModel model, RunSpec run) throws IOException {
        this.file = file;
        this.run = run;
        if (!Files.isReadable(file)) {
            throw new InvalidRequestException("source file " + file + " does not exist or is not readable");
        }
        size = Files.size(file);
        in = Files.newInputStream(file);
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        lines = mapper.readerFor(String[].class).readValues(in);
        if (!lines.hasNext()) {
            in.close();
            throw new InvalidRequestException("source file " + file + " is empty; expected a header line");
        }
        String[] header = lines.next();
        fields = header.length;
        int entity = -1;
        List<String> cols = new ArrayList<>();
        List<Integer> pos = new ArrayList<>();
        List<FeatureType> typ = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < header.length; i++) {
            String name = header[i].trim();
            if (name.equals(entityColumn)) {
                entity = i;
            } else if (Conversions.feeds(model, textColumn, name)) {
                cols.add(name);
                pos.add(i);
                typ.add(Conversions.type(model, name));
            } else {
                ignored.add(name);
            }
        }
        if (entity < 0) {
            in.close();
            throw new InvalidRequestException("source file " + file + " has no column '" + entityColumn
                    + "' in its header; set inferfn.batch.entity-column to the column holding the entity id");
        }
        if (!ignored.isEmpty()) {
            LOG.infof("file %s: ignoring columns the model does not take: %s", file, ignored);
        }
        entityAt = entity;
        columns = cols.toArray(String[]::new);
        positions = pos.stream().mapToInt(Integer::intValue).toArray();
        types = typ.toArray(FeatureType[]::new);
    }

    @Override
    public String[] columns() {
        return columns;
    }

    @Override
    public boolean next(SourceBatch batch) throws IOException {
        boolean any = false;
        while (!batch.full() && batch.read < batch.capacity() && hasNext()) {
            String[] f = nextRecord();
            line = lines.getCurrentLocation().getLineNr() - 1; // the record just read (the parser is past it)
            any = true;
            if (f.length == 1 && f[0].isEmpty()) {
                continue; // blank line
            }
            String entityId = f.length > entityAt ? f[entityAt].trim() : null;
            if (run.shardCount() > 1 && !Shards.owns(entityId, run.shardIndex(), run.shardCount())) {
                continue; // another shard's row (malformed or not): that shard accounts for it
            }
            batch.read++;
            if (f.length != fields) {
                batch.unreadable.add(new SourceBatch.Unreadable(
                        Shards.blank(entityId) ? null : entityId,
                        "line " + line + " has " + f.length + " fields; the header has " + fields,
                        String.join(",", f)));
                continue;
            }
            if (Shards.blank(entityId)) {
                batch.unreadable.add(new SourceBatch.Unreadable(
                        null,
                        "line " + line + ": the entity id is empty; every row needs one to be scored and written",
                        String.join(",", f)));
                continue;
            }
            SourceRow row = batch.slot();
            row.entityId = entityId;
            row.fields = f; // the raw line is joined only if the row is rejected
            for (int i = 0; i < columns.length; i++) {
                row.values[i] = Conversions.toFeature(f[positions[i]], types[i]);
            }
            batch.commit();
        }
        return any;
    }

    /**
     * Whether another record follows. Quoting so broken that the parser cannot find the next
     * record (an unclosed quote) stops the run with the line, before anything is committed: the
     * file must be fixed, and rerunning it unchanged would fail the same way.
     */
    private boolean hasNext() {
        try {
            return lines.hasNextValue();
        } catch (java.io.IOException | RuntimeException e) {
            throw malformed(e);
        }
    }

    private String[] nextRecord() {
        try {
            return lines.nextValue();
        } catch (java.io.IOException | RuntimeException e) {
            throw malformed(e);
        }
    }

    private InvalidRequestException malformed(Exception e) {
        return new InvalidRequestException("source file " + file + " is not valid CSV after line " + line + ": "
                + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "; fix the quoting there and rerun");
    }

    @Override
    public long estimatedRows() {
        return -1;
    }

    /** The fraction of the file read so far, for the ETA. */
    double progress() {
        try {
            var at = lines.getCurrentLocation();
            long offset = Math.max(at.getByteOffset(), at.getCharOffset());
            return size == 0 ? 1 : Math.min(1, (double) offset / size);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public void close() throws IOException {
        lines.close();
        in.close();
    }
}
