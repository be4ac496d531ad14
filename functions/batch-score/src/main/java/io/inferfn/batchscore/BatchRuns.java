package io.inferfn.batchscore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.batch.BatchOptions;
import io.inferfn.batch.BatchRunner;
import io.inferfn.batch.CatalogSettings;
import io.inferfn.batch.RunSpec;
import io.inferfn.batch.RunSummary;
import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.runtime.metrics.InferfnMetrics;
import io.inferfn.scoring.RetryLaterException;
import io.inferfn.scoring.Scorer;

/**
 * The one code path of a batch run, shared by {@link BatchScoreFunction} and {@link BatchScoreJob}:
 * access, admission (at most {@code inferfn.batch.max-concurrent-runs} at once, a shard never
 * twice), then the run.
 */
@ApplicationScoped
public class BatchRuns {

    /** Database connections one run holds at most: the source's cursor and the sink's transaction. */
    static final int CONNECTIONS_PER_RUN = 2;

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    BatchConfig config;

    @Inject
    BatchAccess access;

    @Inject
    Instance<AgroalDataSource> dataSource;

    @Inject
    InferfnMetrics metrics;

    @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
    int poolSize;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    Optional<String> dataSourceUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> dataSourceUser;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> dataSourcePassword;

    /** Shards running in this process, by run id; guarded by {@code this}. */
    private final Map<String, List<Running>> running = new HashMap<>();

    private int active;

    private record Running(int shardIndex, int shardCount, Instant since) {}

    void checkPool(@Observes StartupEvent event) {
        for (String status : new String[] {"succeeded", "failed", "rejected"}) {
            metrics.registry().counter(InferfnMetrics.BATCH_RUNS, "status", status); // 0 until a run ends so
        }
        catalogSettings(); // a wrong inferfn.batch.iceberg.catalog fails the start, not the first run
        if (config.maxConcurrentRuns() < 1) {
            throw new IllegalStateException(
                    "inferfn.batch.max-concurrent-runs must be at least 1; got " + config.maxConcurrentRuns());
        }
        if (dataSource.isResolvable() && config.maxConcurrentRuns() * CONNECTIONS_PER_RUN > poolSize) {
            throw new IllegalStateException("inferfn.batch.max-concurrent-runs=" + config.maxConcurrentRuns()
                    + " needs up to " + config.maxConcurrentRuns() * CONNECTIONS_PER_RUN
                    + " database connections (two per run), but quarkus.datasource.jdbc.max-size is " + poolSize
                    + ": raise the pool or lower the runs, or runs would starve each other of connections");
        }
    }

    /**
     * Runs one shard; {@code source} and {@code sink} null take the configured ones.
     *
     * @param caller the HTTP caller, null for a trusted invocation (Lambda handler, cron)
     */
    public RunSummary run(
            SecurityIdentity caller, String runId, int shardIndex, int shardCount, String source, String sink) {
        RunSpec spec;
        LoadedModel model;
        BatchOptions options;
        Running admitted;
        try {
            access.check(caller, source, sink);
            spec = new RunSpec(
                    runId,
                    shardIndex,
                    shardCount,
                    source == null ? config.source() : source,
                    sink == null ? config.sink() : sink);
            model = catalog.resolve(config.model().orElse(null));
            options = new BatchOptions(
                    config.entityColumn(),
                    config.batchRows(),
                    config.fetchSize(),
                    config.progressInterval(),
                    config.maxRejects(),
                    config.statementTimeout(),
                    config.textColumn(),
                    config.textBatchRows());
            admitted = admit(spec);
        } catch (RuntimeException e) {
            runEnded("rejected"); // refused before it started: not allowed, a bad request, busy, no model
            throw e;
        }
        long start = System.nanoTime();
        String status = "failed";
        try {
            RunSummary summary = new BatchRunner(
                            scorer, dataSource.isResolvable() ? dataSource.get() : null, options, catalogSettings())
                    .run(model, spec);
            status = "succeeded";
            String[] tags = {"model", summary.model(), "version", summary.modelVersion()};
            MeterRegistry registry = metrics.registry();
            registry.counter(InferfnMetrics.BATCH_ROWS, tagged(tags, "kind", "read"))
                    .increment(summary.rowsRead());
            registry.counter(InferfnMetrics.BATCH_ROWS, tagged(tags, "kind", "scored"))
                    .increment(summary.rowsScored());
            registry.counter(InferfnMetrics.BATCH_ROWS, tagged(tags, "kind", "rejected"))
                    .increment(summary.rowsRejected());
            registry.counter(InferfnMetrics.BATCH_ROWS, tagged(tags, "kind", "degraded"))
                    .increment(summary.rowsDegraded());
            return summary;
        } finally {
            release(spec, admitted);
            runEnded(status);
            metrics.latency(
                            InferfnMetrics.BATCH_SHARD_DURATION,
                            "model",
                            model.name(),
                            "version",
                            model.version(),
                            "status",
                            status)
                    .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** The Iceberg catalog: the configured one, its JDBC database and credentials by default the datasource's. */
    private CatalogSettings catalogSettings() {
        BatchConfig.Iceberg iceberg = config.iceberg();
        return new CatalogSettings(
                iceberg.catalog(),
                iceberg.catalogName(),
                iceberg.uri().or(() -> dataSourceUrl).orElse(null),
                iceberg.username().or(() -> dataSourceUser).orElse(null),
                iceberg.password().or(() -> dataSourcePassword).orElse(null),
                iceberg.warehouse().orElse(null),
                iceberg.glueCatalogId().orElse(null));
    }

    /** Counts a run (a shard's invocation) that ended as {@code status}: succeeded, failed or rejected. */
    private void runEnded(String status) {
        metrics.registry().counter(InferfnMetrics.BATCH_RUNS, "status", status).increment();
    }

    private static String[] tagged(String[] tags, String key, String value) {
        String[] all = java.util.Arrays.copyOf(tags, tags.length + 2);
        all[tags.length] = key;
        all[tags.length + 1] = value;
        return all;
    }

    private synchronized Running admit(RunSpec spec) {
        for (Running other : running.getOrDefault(spec.runId(), List.of())) {
            if (other.shardIndex() == spec.shardIndex() || other.shardCount() != spec.shardCount()) {
                throw RetryLaterException.conflict(
                        spec.describe() + " is already running here (as shard " + other.shardIndex() + "/"
                                + other.shardCount() + ", since " + other.since() + "); wait for it to finish"
                                + " before rerunning that runId",
                        config.busyRetryAfter());
            }
        }
        if (active >= config.maxConcurrentRuns()) {
            throw RetryLaterException.tooManyRequests(
                    active + " batch runs are already running here, the most this function runs at once"
                            + " (inferfn.batch.max-concurrent-runs); nothing was started: retry " + spec.describe()
                            + " after " + config.busyRetryAfter().toSeconds() + " s",
                    config.busyRetryAfter());
        }
        active++;
        Running admitted = new Running(spec.shardIndex(), spec.shardCount(), Instant.now());
        running.computeIfAbsent(spec.runId(), id -> new ArrayList<>()).add(admitted);
        return admitted;
    }

    private synchronized void release(RunSpec spec, Running admitted) {
        active--;
        List<Running> shards = running.get(spec.runId());
        shards.remove(admitted);
        if (shards.isEmpty()) {
            running.remove(spec.runId());
        }
    }
}
