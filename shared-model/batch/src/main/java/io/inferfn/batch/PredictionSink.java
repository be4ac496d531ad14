package io.inferfn.batch;

import java.util.List;

import io.inferfn.scoring.Prediction;

/**
 * Where a batch run writes its predictions and its rejects. Nothing a run writes is visible until
 * {@link #commit()}, and committing replaces what an earlier attempt of the same run and shard
 * wrote: a rerun never duplicates. {@link #close()} without a commit discards the attempt.
 */
interface PredictionSink extends AutoCloseable {

    /** Writes predictions (in the order scored). */
    void write(List<Prediction> predictions) throws Exception;

    /** Records a row that was not scored, with the reason and the row as read. */
    void reject(String entityId, String reason, String row) throws Exception;

    /** Makes everything written visible at once, replacing an earlier attempt's output. */
    void commit() throws Exception;

    /** "table churn_predictions", "file /out/predictions.csv" */
    String describe();

    @Override
    void close() throws Exception;
}
