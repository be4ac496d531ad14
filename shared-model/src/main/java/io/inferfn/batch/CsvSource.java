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

import io.inferfn.features.FeaturePlan;
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

    CsvSource(Path file, String entityColumn, FeaturePlan plan, RunSpec run) throws IOException {
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
            } else if (plan.suppliedType(name) != null) {
                cols.add(name);
                pos.add(i);
                typ.add(plan.suppliedType(name));
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
        while (!batch.full() && lines.hasNextValue()) {
            String[] f = lines.nextValue();
            line++;
            any = true;
            if (f.length == 1 && f[0].isEmpty()) {
                continue; // blank line
            }
            if (f.length != fields) {
                String id = f.length > entityAt ? f[entityAt].trim() : null;
                if (run.shardCount() > 1 && !Shards.owns(id, run.shardIndex(), run.shardCount())) {
                    continue; // another shard's (malformed) row: it rejects it
                }
                batch.read++;
                batch.unreadable.add(new SourceBatch.Unreadable(
                        f.length > entityAt ? f[entityAt] : null,
                        "line " + line + " has " + f.length + " fields; the header has " + fields,
                        String.join(",", f)));
                continue;
            }
            String entityId = f[entityAt].trim();
            if (run.shardCount() > 1 && !Shards.owns(entityId, run.shardIndex(), run.shardCount())) {
                continue; // another shard's row
            }
            batch.read++;
            if (entityId.isEmpty()) {
                batch.unreadable.add(new SourceBatch.Unreadable(
                        null,
                        "line " + line + ": the entity id is empty; every row needs one to be scored and written",
                        String.join(",", f)));
                continue;
            }
            SourceRow row = batch.slot();
            row.entityId = entityId;
            row.raw = String.join(",", f);
            for (int i = 0; i < columns.length; i++) {
                row.values[i] = convert(f[positions[i]], types[i]);
            }
            batch.commit();
        }
        return any;
    }

    /** Text to the declared type; text that does not convert stays text, for scoring to reject with its message. */
    private static Object convert(String text, FeatureType type) {
        String v = text.trim();
        if (v.isEmpty()) {
            return null;
        }
        switch (type) {
            case NUMBER, TIMESTAMP -> {
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    return v; // a timestamp may be ISO-8601; anything else is rejected by the plan
                }
            }
            case BOOLEAN -> {
                if (v.equalsIgnoreCase("true") || v.equals("1")) {
                    return Boolean.TRUE;
                }
                if (v.equalsIgnoreCase("false") || v.equals("0")) {
                    return Boolean.FALSE;
                }
                return v;
            }
            default -> {
                return v;
            }
        }
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
