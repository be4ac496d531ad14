package io.inferfn.batchscore;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.agroal.api.AgroalDataSource;

import io.inferfn.batch.BatchOptions;
import io.inferfn.batch.BatchRunner;
import io.inferfn.batch.RunSpec;
import io.inferfn.batch.RunSummary;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Scorer;

/** The one code path of a batch run, shared by {@link BatchScoreFunction} and {@link BatchScoreJob}. */
@ApplicationScoped
public class BatchRuns {

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    BatchConfig config;

    @Inject
    Instance<AgroalDataSource> dataSource;

    /** Runs one shard; {@code source} and {@code sink} null take the configured ones. */
    public RunSummary run(String runId, int shardIndex, int shardCount, String source, String sink) {
        if ((source != null || sink != null) && !config.allowOverrides()) {
            throw new InvalidRequestException("this function takes no 'source' or 'sink' in the payload (it reads "
                    + config.source() + " into " + config.sink() + "); set inferfn.batch.allow-overrides=true to"
                    + " allow them");
        }
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
                config.maxRejects());
        return new BatchRunner(scorer, dataSource.isResolvable() ? dataSource.get() : null, options).run(model, spec);
    }
}
