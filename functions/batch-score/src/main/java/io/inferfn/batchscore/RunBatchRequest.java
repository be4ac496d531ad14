package io.inferfn.batchscore;

import com.fasterxml.jackson.annotation.JsonAnySetter;

/**
 * The payload of {@code runBatch}: what EventBridge Scheduler sends on AWS
 * ({@code {"runId": "<aws.scheduler.scheduled-time>", "shardIndex": 0, "shardCount": 4}}) and what
 * {@code POST /runBatch} takes locally. Absent fields take the configured defaults.
 */
public class RunBatchRequest {

    /** Names the run; a rerun with the same id replaces its predictions. */
    public String runId;

    /** Used as the run id when {@code runId} is absent. */
    public String scheduledTime;

    /** This invocation's shard (0-based); default 0. */
    public Integer shardIndex;

    /** Invocations sharing the run; default 1. */
    public Integer shardCount;

    /** Overrides {@code inferfn.batch.source}. */
    public String source;

    /** Overrides {@code inferfn.batch.sink}. */
    public String sink;

    /** A misspelt field ("shards") must not silently run the whole table as one shard. */
    @JsonAnySetter
    void unknown(String name, Object value) {
        throw new IllegalArgumentException("unknown field '" + name + "'");
    }
}
