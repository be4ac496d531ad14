package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

/**
 * Loads a CSV with a header into Redis as one hash per row, as online features are kept: key
 * {@code <prefix><first column>}, the other columns as fields named by the header. The commands
 * are pipelined, {@value #PIPELINE} to a round trip.
 *
 * <p>{@link #read} is the CSV reader behind it, for the callers that need the rows themselves.
 */
public final class RedisHashes {

    static final int PIPELINE = 500;

    private static final CsvMapper CSV = CsvMapper.builder()
            .enable(CsvParser.Feature.WRAP_AS_ARRAY)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .build();

    private RedisHashes() {}

    /** A CSV file as text cells: its header and its data rows, each as wide as the header. */
    public record Csv(List<String> header, List<String[]> rows) {}

    /**
     * Reads {@code csv}: the first row is the header; blank lines are skipped; a row with another
     * number of cells than the header is an error that names the file and the row.
     */
    public static Csv read(Path csv) {
        List<String[]> rows = new ArrayList<>();
        try (MappingIterator<String[]> lines = CSV.readerFor(String[].class).readValues(csv.toFile())) {
            while (lines.hasNextValue()) {
                rows.add(lines.nextValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + " as CSV: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(csv + " is empty; expected a header row, then one row per entity");
        }
        List<String> header = List.of(rows.get(0));
        List<String[]> data = rows.subList(1, rows.size());
        for (int r = 0; r < data.size(); r++) {
            if (data.get(r).length != header.size()) {
                throw new IllegalArgumentException(csv + ": data row " + (r + 1) + " has " + data.get(r).length
                        + " cells " + Arrays.toString(data.get(r)) + "; expected " + header.size() + " as in the"
                        + " header " + header);
            }
        }
        return new Csv(header, List.copyOf(data));
    }

    /** {@link #load(Vertx, String, Path, String)} on a Vert.x instance of its own. */
    public static int load(String redisUri, Path csv, String keyPrefix) {
        Vertx vertx = Vertx.vertx();
        try {
            return load(vertx, redisUri, csv, keyPrefix);
        } finally {
            vertx.close();
        }
    }

    /**
     * Writes each data row of {@code csv} as {@code HSET <keyPrefix><id> <column> <cell> ...} to the
     * Redis at {@code redisUri} (e.g. {@code redis://127.0.0.1:6379}), the id being the first
     * column, and returns the number of hashes written.
     */
    public static int load(Vertx vertx, String redisUri, Path csv, String keyPrefix) {
        Csv table = read(csv);
        List<String> header = table.header();
        Redis redis = Redis.createClient(vertx, redisUri);
        try {
            List<Request> pipeline = new ArrayList<>(PIPELINE);
            for (String[] row : table.rows()) {
                Request hset = Request.cmd(Command.HSET).arg(keyPrefix + row[0]);
                for (int c = 1; c < header.size(); c++) {
                    hset.arg(header.get(c)).arg(row[c]);
                }
                pipeline.add(hset);
                if (pipeline.size() == PIPELINE) {
                    send(redis, pipeline, csv, redisUri);
                    pipeline = new ArrayList<>(PIPELINE);
                }
            }
            if (!pipeline.isEmpty()) {
                send(redis, pipeline, csv, redisUri);
            }
            return table.rows().size();
        } finally {
            redis.close();
        }
    }

    private static void send(Redis redis, List<Request> pipeline, Path csv, String redisUri) {
        try {
            redis.batch(pipeline).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "loading " + csv + " into Redis at " + redisUri + " failed: "
                            + e.getCause().getMessage(),
                    e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "loading " + csv + " into Redis at " + redisUri + ": no answer within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading " + csv + " into Redis", e);
        }
    }
}
