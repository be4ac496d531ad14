package io.inferfn.batch;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.InferenceException;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

/**
 * Runs one shard of a batch run: rows stream from the source on a reader thread while the caller's
 * thread scores them in batches (one pipelined Redis read and one ORT call per batch, bad rows to
 * the rejects) and writes them to the sink; everything becomes visible at one commit. Progress is
 * logged at intervals; the summary is returned and logged as one JSON line.
 */
public final class BatchRunner {

    private static final Logger LOG = Logger.getLogger(BatchRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Batches in flight between the reader and the scorer. */
    private static final int BUFFERS = 3;

    /** File formats on the classpath: CSV, and Parquet where inferfn-batch-parquet is packaged. */
    private static final List<FileFormat> FORMATS =
            ServiceLoader.load(FileFormat.class, BatchRunner.class.getClassLoader()).stream()
                    .map(ServiceLoader.Provider::get)
                    .toList();

    /** Other schemes on the classpath: iceberg: where inferfn-batch-iceberg is packaged. */
    private static final List<Scheme> SCHEMES =
            ServiceLoader.load(Scheme.class, BatchRunner.class.getClassLoader()).stream()
                    .map(ServiceLoader.Provider::get)
                    .toList();

    private final Scorer scorer;
    private final DataSource dataSource;
    private final BatchOptions options;
    private final CatalogSettings catalog;

    /** @param dataSource the database for {@code table:} and {@code sql:} sources and sinks; null when none is configured */
    public BatchRunner(Scorer scorer, DataSource dataSource, BatchOptions options) {
        this(scorer, dataSource, options, null);
    }

    /**
     * @param dataSource the database for {@code table:} and {@code sql:} sources and sinks; null when none is configured
     * @param catalog where {@code iceberg:} sources and sinks find their tables; null when none is configured
     */
    public BatchRunner(Scorer scorer, DataSource dataSource, BatchOptions options, CatalogSettings catalog) {
        this.scorer = scorer;
        this.dataSource = dataSource;
        this.options = options;
        this.catalog = catalog;
    }

    /**
     * Scores every row of {@code run}'s shard of its source into its sink.
     *
     * @throws InvalidRequestException for a source or sink that cannot be used (before anything is read)
     * @throws BatchRunException when the run fails midway; nothing of this attempt is committed
     */
    public RunSummary run(LoadedModel model, RunSpec run) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        RowSource source = null;
        PredictionSink sink = null;
        boolean committed = false;
        try {
            source = openSource(model, run);
            if (model.text() != null && source.columns().length != 1) {
                throw new InvalidRequestException(source.describe() + " has no column '" + options.textColumn()
                        + "' for the text of model " + model.name() + " " + model.version()
                        + "; set inferfn.batch.text-column to the column holding the text to score");
            }
            sink = openSink(model, run, started);
            LOG.infof(
                    "%s: scoring %s with %s %s into %s",
                    run.describe(), source.describe(), model.name(), model.version(), sink.describe());
            Counts counts = pump(model, run, source, sink, t0);
            sink.commit();
            committed = true;
            long millis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            RunSummary summary = new RunSummary(
                    run.runId(),
                    run.shardIndex(),
                    run.shardCount(),
                    model.name(),
                    model.version(),
                    source.describe(),
                    sink.describe(),
                    "completed",
                    counts.read,
                    counts.scored,
                    counts.rejected,
                    counts.degraded,
                    millis,
                    Math.round(counts.read * 10_000.0 / millis) / 10.0,
                    counts.scoringNanos / 1_000_000);
            LOG.info("batch run summary " + json(summary));
            return summary;
        } catch (InferenceException e) {
            throw e;
        } catch (Exception e) {
            Throwable cause = e instanceof ReaderFailure ? e.getCause() : e;
            if (cause instanceof InferenceException inference) {
                throw inference;
            }
            if (duplicateKey(cause)) {
                String entity = SqlErrors.duplicateEntity(cause);
                throw new InvalidRequestException(run.describe() + ": the source holds "
                        + (entity == null ? "an entity id" : "entity id '" + entity + "'")
                        + " more than once; each entity is scored once per run: deduplicate the source or its query");
            }
            throw new BatchRunException(run.describe(), cause);
        } finally {
            close(sink, run, committed);
            close(source, run, committed);
        }
    }

    /** Closes quietly after a commit (the run is done; a late close error must not report it as lost). */
    private static void close(AutoCloseable resource, RunSpec run, boolean committed) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warnf(
                    "%s: closing %s failed%s: %s",
                    run.describe(), resource, committed ? " after the commit" : "", e.getMessage());
        }
    }

    private static boolean duplicateKey(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private RowSource openSource(LoadedModel model, RunSpec run) throws Exception {
        String spec = run.source();
        if (spec.startsWith("table:") || spec.startsWith("sql:")) {
            return new JdbcSource(
                    requireDataSource("source " + spec),
                    spec,
                    options.entityColumn(),
                    options.textColumn(),
                    model,
                    run,
                    options.fetchSize(),
                    options.statementTimeout());
        }
        if (spec.startsWith("file:")) {
            Path file = Path.of(spec.substring("file:".length()));
            return format("source " + spec, file)
                    .openSource(file, options.entityColumn(), options.textColumn(), model, run);
        }
        Scheme scheme = scheme("source", spec);
        if (scheme != null) {
            return scheme.openSource(spec.substring(scheme.prefix().length()), context(), model, run);
        }
        throw new InvalidRequestException("source '" + spec + "' is not table:<name>, sql:<select>, file:<path>.csv,"
                + " file:<path>.parquet or iceberg:<namespace>.<table>");
    }

    private PredictionSink openSink(LoadedModel model, RunSpec run, Instant started) throws Exception {
        String spec = run.sink();
        if (spec.startsWith("table:")) {
            return new PostgresSink(
                    requireDataSource("sink " + spec),
                    spec.substring("table:".length()),
                    run,
                    model,
                    started,
                    options.statementTimeout());
        }
        if (spec.startsWith("file:")) {
            Path file = Path.of(spec.substring("file:".length()));
            return format("sink " + spec, file).openSink(file, run, model, started);
        }
        Scheme scheme = scheme("sink", spec);
        if (scheme != null) {
            return scheme.openSink(spec.substring(scheme.prefix().length()), context(), model, run, started);
        }
        throw new InvalidRequestException("sink '" + spec + "' is not table:<name>, file:<path>.csv,"
                + " file:<path>.parquet or iceberg:<namespace>.<table>");
    }

    /** The plugged-in scheme of {@code spec}, or null when it names none (nor Iceberg, which a build may lack). */
    private static Scheme scheme(String what, String spec) {
        for (Scheme scheme : SCHEMES) {
            if (spec.startsWith(scheme.prefix())) {
                return scheme;
            }
        }
        if (spec.startsWith("iceberg:")) {
            throw new InvalidRequestException(what + " " + spec + ": this build has no Iceberg support (the Lambda"
                    + " package leaves it out to stay under 50 MB: use a table or CSV here, or the container build)");
        }
        return null;
    }

    private Scheme.Context context() {
        return new Scheme.Context(dataSource, options, catalog);
    }

    /** The format of {@code file} by its extension, among those on the classpath. */
    private static FileFormat format(String what, Path file) {
        String name = file.getFileName().toString();
        List<String> known = new ArrayList<>();
        for (FileFormat format : FORMATS) {
            if (name.endsWith(format.extension())) {
                return format;
            }
            known.add(format.extension());
        }
        throw new InvalidRequestException(what + ": files are read and written as " + String.join(" or ", known)
                + (name.endsWith(".parquet")
                        ? "; this build has no Parquet support (the Lambda package leaves it out to stay under 50 MB:"
                                + " use CSV or a table here, or the container build)"
                        : ""));
    }

    private DataSource requireDataSource(String what) {
        if (dataSource == null) {
            throw new InvalidRequestException(
                    what + " needs a database, and none is configured (quarkus.datasource.jdbc.url)");
        }
        return dataSource;
    }

    private static final class Counts {
        /** Reject reasons logged per run at WARN, so a user sees what is wrong without the rejects table. */
        static final int LOGGED_REJECTS = 10;

        long read;
        long scored;
        long rejected;
        long degraded;
        long scoringNanos;
        String lastReject;

        void rejected(RunSpec run, String entityId, String reason) {
            rejected++;
            lastReject = (entityId == null ? "a row without an id" : entityId) + ": " + reason;
            if (rejected <= LOGGED_REJECTS) {
                LOG.warnf(
                        "%s: rejected %s%s",
                        run.describe(),
                        lastReject,
                        rejected == LOGGED_REJECTS ? " (further rejects are only written to the rejects sink)" : "");
            }
        }
    }

    /** Signals the end of the source, or its failure, to the scoring thread. */
    private static final class ReaderFailure extends Exception {
        ReaderFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private Counts pump(LoadedModel model, RunSpec run, RowSource source, PredictionSink sink, long t0)
            throws Exception {
        BlockingQueue<SourceBatch> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<Object> full = new ArrayBlockingQueue<>(BUFFERS + 1);
        TextRows texts = model.text() == null ? null : new TextRows(scorer, model, options.textColumn());
        // a text model's batch is one ORT call of a transformer: far fewer rows than a tabular model's
        int rows = texts == null ? options.batchRows() : Math.min(options.batchRows(), options.textBatchRows());
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new SourceBatch(source.columns(), rows));
        }
        Object end = new Object();
        Thread reader = new Thread(
                () -> {
                    try {
                        while (true) {
                            SourceBatch batch = free.take();
                            batch.reset();
                            if (!source.next(batch)) {
                                break;
                            }
                            full.put(batch);
                        }
                        full.put(end);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Throwable e) {
                        full.offer(new ReaderFailure(e));
                    }
                },
                "inferfn-batch-reader");
        reader.setDaemon(true);
        reader.start();
        Counts counts = new Counts();
        long nextLog = System.nanoTime() + options.progressInterval().toNanos();
        try {
            while (true) {
                Object item = full.take();
                if (item == end) {
                    break;
                }
                if (item instanceof ReaderFailure failure) {
                    throw failure;
                }
                SourceBatch batch = (SourceBatch) item;
                counts.read += batch.read;
                for (SourceBatch.Unreadable u : batch.unreadable) {
                    sink.reject(u.entityId(), u.reason(), u.raw());
                    counts.rejected(run, u.entityId(), u.reason());
                }
                long s = System.nanoTime();
                Scorer.Rejects rejects = (index, row, reason) -> {
                    try {
                        sink.reject(row.entityId(), reason, ((SourceRow) row).describe());
                    } catch (Exception e) {
                        throw new IllegalStateException("writing a reject failed: " + e.getMessage(), e);
                    }
                    counts.rejected(run, row.entityId(), reason);
                };
                List<Prediction> predictions = texts != null
                        ? texts.score(batch, rejects)
                        : scorer.scoreValid(model, batch, RowOrigin.TRUSTED_SOURCE, rejects);
                counts.scoringNanos += System.nanoTime() - s;
                sink.write(predictions);
                counts.scored += predictions.size();
                for (Prediction p : predictions) {
                    if (p.degraded()) {
                        counts.degraded++;
                    }
                }
                free.put(batch);
                if (counts.rejected > options.maxRejects()) {
                    throw new InvalidRequestException(run.describe() + ": more than " + options.maxRejects()
                            + " rows rejected, nothing committed; the latest: " + counts.lastReject
                            + " (the first are in the log); check the source against the model's features, or raise"
                            + " inferfn.batch.max-rejects");
                }
                long now = System.nanoTime();
                if (now >= nextLog) {
                    nextLog = now + options.progressInterval().toNanos();
                    logProgress(run, source, counts, now - t0);
                }
            }
        } catch (Exception | Error e) {
            // stop the reader before the source is closed under it: it may be blocked in a fetch
            source.cancel();
            throw e;
        } finally {
            reader.interrupt();
            reader.join(10_000);
        }
        if (texts != null && texts.truncated > 0) {
            LOG.infof(
                    "%s: %,d texts were cut to the %d tokens model %s takes (its manifest's text.maxLength)",
                    run.describe(), texts.truncated, model.text().maxLength(), model.name());
        }
        return counts;
    }

    private static void logProgress(RunSpec run, RowSource source, Counts counts, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double rate = counts.read / seconds;
        double fraction = source instanceof CsvSource csv
                ? csv.progress()
                : source.estimatedRows() > 0 ? (double) counts.read / source.estimatedRows() : -1;
        String eta = fraction > 0 && fraction < 1
                ? formatDuration(Duration.ofSeconds(Math.round(seconds / fraction - seconds)))
                : "unknown";
        LOG.info(String.format(
                Locale.ROOT,
                "%s: %,d rows read, %,d scored, %,d rejected, %,.0f rows/s, ETA %s",
                run.describe(),
                counts.read,
                counts.scored,
                counts.rejected,
                rate,
                eta));
    }

    private static String formatDuration(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    private static String json(RunSummary summary) {
        try {
            return JSON.writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            return summary.toString();
        }
    }
}
