package io.inferfn.batch;

/**
 * What one batch invocation did; returned to the caller and logged as one JSON line.
 *
 * @param rowsRead rows of this shard read from the source
 * @param rowsScored rows scored and written to the sink
 * @param rowsRejected rows not scored (unreadable, or rejected by the model's validation), each
 *     written to the rejects with its reason; {@code rowsRead == rowsScored + rowsRejected}
 * @param rowsDegraded scored rows that used a default for a missing online feature
 * @param ortMillis time spent inside ONNX Runtime and feature assembly, of {@code durationMillis}
 */
public record RunSummary(
        String runId,
        int shardIndex,
        int shardCount,
        String model,
        String modelVersion,
        String source,
        String sink,
        String status,
        long rowsRead,
        long rowsScored,
        long rowsRejected,
        long rowsDegraded,
        long durationMillis,
        double rowsPerSecond,
        long scoringMillis) {}
