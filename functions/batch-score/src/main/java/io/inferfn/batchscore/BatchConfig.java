package io.inferfn.batchscore;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where batch runs read and write, how they batch, and when the scheduler starts one. */
@ConfigMapping(prefix = "inferfn.batch")
public interface BatchConfig {

    /** Rows to score: {@code table:<name>}, {@code sql:<select>} (the datasource) or {@code file:<path>.csv}. */
    @WithDefault("table:customers")
    String source();

    /** Where predictions go: {@code table:<name>} (plus {@code <name>_rejects}) or {@code file:<path>.csv}. */
    @WithDefault("table:churn_predictions")
    String sink();

    /**
     * Whether a runBatch payload may name its own {@code source} and {@code sink}. Off by default:
     * with it on, whoever may invoke the function may read any table the datasource user can and
     * write predictions into any table or CSV path; keep the sources and sinks in configuration.
     */
    @WithDefault("false")
    boolean allowOverrides();

    /** The source column holding the entity id (fills {@code {entityId}} in the model's store keys). */
    @WithDefault("customer_id")
    String entityColumn();

    /** The model to score with, when the function serves several; the only one otherwise. */
    Optional<String> model();

    /** Rows per ONNX Runtime call and per pipelined Redis read. */
    @WithDefault("1024")
    int batchRows();

    /** Rows per database round trip of the source cursor. */
    @WithDefault("10000")
    int fetchSize();

    /** How often a running job logs rows done, rows/s and its ETA. */
    @WithDefault("10s")
    Duration progressInterval();

    /** A run with more rejected rows than this stops and commits nothing: the source or the model is wrong. */
    @WithDefault("100000")
    long maxRejects();

    /** The schedule. */
    Schedule schedule();

    /** The in-process schedule (containers); on AWS, EventBridge Scheduler invokes runBatch instead. */
    interface Schedule {

        /**
         * Quartz cron (seconds first), e.g. {@code 0 0 8 * * ?} for 08:00 daily, or {@code off}. Off
         * by default: a function that starts scoring millions of rows must be asked to.
         */
        @WithDefault("off")
        String cron();

        /** This replica's shard when several replicas run the same schedule (e.g. a StatefulSet ordinal). */
        @WithDefault("0")
        int shardIndex();

        /** How many replicas share each scheduled run. */
        @WithDefault("1")
        int shardCount();
    }
}
