package io.inferfn.batch;

import java.time.Duration;

/**
 * How batch runs read, score and report.
 *
 * @param entityColumn the source column holding the entity id
 * @param batchRows rows per ONNX Runtime call (and per pipelined Redis read)
 * @param fetchSize rows per database round trip of the source cursor
 * @param progressInterval how often progress is logged
 * @param maxRejects a run stops, writing nothing, when more rows than this are rejected: the source
 *     or the model is then wrong, and millions of reject rows would not help anyone
 * @param statementTimeout the longest one database statement of a run may take (PostgreSQL's
 *     {@code statement_timeout}): the source query and each cursor fetch, the sink's deletes and
 *     rejects; not the sink's {@code COPY}, which lasts as long as the run. Zero: no limit
 * @param textColumn the source column holding a text model's text (the name {@code /predict} and {@code /v2} give
 *     the text input)
 * @param textBatchRows texts per ONNX Runtime call of a text model: a transformer's cost grows with batch × tokens
 *     (and its attention with tokens²), so far fewer than a tabular model's {@code batchRows}
 */
public record BatchOptions(
        String entityColumn,
        int batchRows,
        int fetchSize,
        Duration progressInterval,
        long maxRejects,
        Duration statementTimeout,
        String textColumn,
        int textBatchRows) {

    /** The default text column. */
    public static final String TEXT_COLUMN = "text";

    /** The default texts per ORT call. */
    public static final int TEXT_BATCH_ROWS = 32;

    /** Options of runs with tabular models, text ones reading column {@code text} in batches of 32. */
    public BatchOptions(
            String entityColumn,
            int batchRows,
            int fetchSize,
            Duration progressInterval,
            long maxRejects,
            Duration statementTimeout) {
        this(
                entityColumn,
                batchRows,
                fetchSize,
                progressInterval,
                maxRejects,
                statementTimeout,
                TEXT_COLUMN,
                TEXT_BATCH_ROWS);
    }

    public BatchOptions {
        if (batchRows < 1 || batchRows > 65_536) {
            throw new IllegalArgumentException("batch rows must be 1..65536; got " + batchRows);
        }
        if (textBatchRows < 1 || textBatchRows > 1024) {
            throw new IllegalArgumentException("text batch rows must be 1..1024; got " + textBatchRows);
        }
        if (textColumn == null || textColumn.isBlank()) {
            throw new IllegalArgumentException("the text column must be named; got '" + textColumn + "'");
        }
        if (fetchSize < 1) {
            throw new IllegalArgumentException("fetch size must be >= 1; got " + fetchSize);
        }
        if (statementTimeout == null || statementTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "statement timeout must be zero (none) or positive; got " + statementTimeout);
        }
    }
}
