package io.inferfn.batchscore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.batch.BatchOptions;
import io.inferfn.batch.BatchRunner;
import io.inferfn.batch.RunSpec;
import io.inferfn.batch.RunSummary;
import io.inferfn.runtime.ModelCatalog;
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

    @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
    int poolSize;

    /** Shards running in this process, by run id; guarded by {@code this}. */
    private final Map<String, List<Running>> running = new HashMap<>();

    private int active;

    private record Running(int shardIndex, int shardCount, Instant since) {}

    void checkPool(@Observes StartupEvent event) {
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
        access.check(caller, source, sink);
        RunSpec spec = new RunSpec(
                runId,
                shardIndex,
                shardCount,
                source == null ? config.source() : source,
                sink == null ? config.sink() : sink);
        var model = catalog.resolve(config.model().orElse(null));
        BatchOptions options = new BatchOptions(
                config.entityColumn(),
                config.batchRows(),
                config.fetchSize(),
                config.progressInterval(),
                config.maxRejects(),
                config.statementTimeout());
        Running admitted = admit(spec);
        try {
            return new BatchRunner(scorer, dataSource.isResolvable() ? dataSource.get() : null, options)
                    .run(model, spec);
        } finally {
            release(spec, admitted);
        }
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
