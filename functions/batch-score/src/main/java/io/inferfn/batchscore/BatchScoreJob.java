package io.inferfn.batchscore;

import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import org.jboss.logging.Logger;

/**
 * Schedule trigger in containers: {@code inferfn.batch.schedule.cron} runs this replica's shard
 * with the scheduled fire time as run id, so a retried or doubled fire replaces, never duplicates.
 */
public class BatchScoreJob {

    private static final Logger LOG = Logger.getLogger(BatchScoreJob.class);

    @Inject
    BatchRuns runs;

    @Inject
    BatchConfig config;

    @Scheduled(
            cron = "${inferfn.batch.schedule.cron}",
            identity = "batch-score",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled(ScheduledExecution execution) {
        String runId = execution.getScheduledFireTime().toString();
        try {
            runs.run(
                    null,
                    runId,
                    config.schedule().shardIndex(),
                    config.schedule().shardCount(),
                    null,
                    null);
        } catch (RuntimeException e) {
            LOG.errorf(e, "scheduled batch run %s failed", runId);
        }
    }
}
