package io.inferfn.batch;

import java.util.regex.Pattern;

import io.inferfn.scoring.InvalidRequestException;

/**
 * One invocation of a batch run: which run, which shard of it, and where rows come from and go.
 *
 * @param runId names the run; a rerun with the same id replaces that run's predictions (the
 *     scheduler passes its scheduled time, so a retried or repeated invocation is idempotent)
 * @param shardIndex this invocation's shard, 0-based
 * @param shardCount how many invocations share the run; each scores the entities whose stable hash
 *     falls in its shard ({@link Shards})
 * @param source {@code table:<name>}, {@code sql:<select>} (the datasource), {@code file:<path>.csv} or
 *     {@code iceberg:<namespace>.<table>}
 * @param sink {@code table:<name>} (the datasource), {@code file:<path>.csv} or {@code iceberg:<namespace>.<table>}
 */
public record RunSpec(String runId, int shardIndex, int shardCount, String source, String sink) {

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}");

    /** Most shards one run may be split into. */
    public static final int MAX_SHARDS = 1000;

    public RunSpec {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw new InvalidRequestException("'runId' must be 1-128 characters of letters, digits and . _ : + -"
                    + " (for example 2026-11-24T08:00:00Z); got " + (runId == null ? "nothing" : "'" + runId + "'"));
        }
        if (shardCount < 1 || shardCount > MAX_SHARDS) {
            throw new InvalidRequestException(
                    "'shardCount' must be between 1 and " + MAX_SHARDS + "; got " + shardCount);
        }
        if (shardIndex < 0 || shardIndex >= shardCount) {
            throw new InvalidRequestException(
                    "'shardIndex' must be between 0 and shardCount - 1 = " + (shardCount - 1) + "; got " + shardIndex);
        }
        if (source == null || source.isBlank()) {
            throw new InvalidRequestException("'source' is required: table:<name>, sql:<select> or file:<path>.csv");
        }
        if (sink == null || sink.isBlank()) {
            throw new InvalidRequestException("'sink' is required: table:<name> or file:<path>.csv");
        }
    }

    /** "run 2026-11-24 shard 2/4" for logs and messages. */
    public String describe() {
        return "run " + runId + " shard " + shardIndex + "/" + shardCount;
    }
}
