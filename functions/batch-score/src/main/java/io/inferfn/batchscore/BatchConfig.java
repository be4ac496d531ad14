package io.inferfn.batchscore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where batch runs read and write, how they batch, and when the scheduler starts one. */
@ConfigMapping(prefix = "inferfn.batch")
public interface BatchConfig {

    /**
     * Rows to score: {@code table:<name>}, {@code sql:<select>} (the datasource), {@code file:<path>.csv} or
     * {@code iceberg:<namespace>.<table>} (container build).
     */
    @WithDefault("table:customers")
    String source();

    /**
     * Where predictions go: {@code table:<name>} (plus {@code <name>_rejects}), {@code file:<path>.csv} or {@code
     * iceberg:<namespace>.<table>} (plus {@code <table>_rejects}; container build).
     */
    @WithDefault("table:churn_predictions")
    String sink();

    /**
     * Whether a runBatch payload may name its own {@code source} and {@code sink}. Off by default;
     * with it on, a payload's source and sink must lie under {@link #overrides()}' prefixes, and an
     * HTTP caller needs the role {@code batch:override}. Keep the sources and sinks in configuration
     * where you can.
     */
    @WithDefault("false")
    boolean allowOverrides();

    /** Where a payload's own source and sink may point, when {@link #allowOverrides()} is on. */
    Overrides overrides();

    /**
     * The longest one database statement of a run may take: the source query and each cursor fetch,
     * the sink's deletes and rejects (not its COPY, which lasts the run). {@code 0} for none.
     */
    @WithDefault("5m")
    Duration statementTimeout();

    /**
     * Runs (shards) this process runs at once; one more is answered 429 with {@code Retry-After}.
     * Each run holds up to two database connections, so this may be at most half of {@code
     * quarkus.datasource.jdbc.max-size} (checked at start).
     */
    @WithDefault("4")
    int maxConcurrentRuns();

    /** The {@code Retry-After} of a run turned away because too many are running, or because it is running. */
    @WithDefault("60s")
    Duration busyRetryAfter();

    /** The source column holding the entity id (fills {@code {entityId}} in the model's store keys). */
    @WithDefault("customer_id")
    String entityColumn();

    /**
     * The source column holding a text model's text (a model whose manifest has a {@code text} section): named as
     * {@code /predict} and {@code /v2} name the text input. Its other columns are ignored.
     */
    @WithDefault("text")
    String textColumn();

    /**
     * Texts per ONNX Runtime call of a text model (at most {@link #batchRows()}): a transformer's cost and memory grow
     * with texts × tokens, so far fewer than a tabular model's batch.
     */
    @WithDefault("32")
    int textBatchRows();

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

    /** The Iceberg catalog of {@code iceberg:} sources and sinks (container build). */
    Iceberg iceberg();

    /**
     * Where {@code iceberg:<namespace>.<table>} finds its tables: Iceberg's JDBC catalog, by default in the function's
     * own database, or AWS Glue; table data under {@link #warehouse()}.
     */
    interface Iceberg {

        /** {@code jdbc} (a database holds the catalog: {@link #uri()}) or {@code glue} (AWS Glue, the caller's region). */
        @WithDefault("jdbc")
        String catalog();

        /**
         * The catalog's name. The JDBC catalog keys its rows by it: every reader and writer of the same tables (a
         * Spark job's {@code spark.sql.catalog.<name>}) uses the same one.
         */
        @WithDefault("inferfn")
        String catalogName();

        /** The JDBC catalog's database; by default the function's own ({@code quarkus.datasource.jdbc.url}). */
        Optional<String> uri();

        /** The JDBC catalog's database user; by default the datasource's ({@code quarkus.datasource.username}). */
        Optional<String> username();

        /** The JDBC catalog's database password; by default the datasource's ({@code quarkus.datasource.password}). */
        Optional<String> password();

        /** Where table data and metadata go: {@code file:/<path>} or {@code s3://<bucket>/<prefix>}; none by default. */
        Optional<String> warehouse();

        /** The AWS account of the Glue catalog, when it is not the caller's own. */
        Optional<String> glueCatalogId();
    }

    /**
     * Prefixes a payload's {@code source} and {@code sink} must start with. Nothing is allowed
     * unless listed: with overrides on and no prefixes, every override is refused.
     */
    interface Overrides {

        /**
         * Table name prefixes ({@code table:} sources and sinks), compared case-insensitively, e.g.
         * {@code scratch_} or {@code staging.}; a sink also writes {@code <name>_rejects}.
         */
        Optional<List<String>> tables();

        /**
         * Directories a {@code file:} source or sink must lie in (after resolving {@code ..} and
         * symbolic links), e.g. {@code /data/batch}.
         */
        Optional<List<String>> paths();

        /**
         * Whether a payload may send a {@code sql:} source. Off by default: a query may read any
         * table the database user can, which no prefix restricts.
         */
        @WithDefault("false")
        boolean sql();
    }

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
