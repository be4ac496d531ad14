package io.inferfn.spark;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.util.AccumulatorV2;

/**
 * What a run's scoring pass saw, gathered from the executors while the predictions are written: rows, degraded rows,
 * rejected rows and the first {@code keep} rejects themselves (entity id, reason, the row as text). The driver checks
 * {@code --max-rejects} against it before it publishes anything and writes the rejects from it, so the rows are scored
 * once, with nothing cached.
 *
 * <p>Spark merges a task's accumulator into the driver's only when the task succeeds, and once per partition of a
 * result stage; the writes this feeds run without a shuffle (Iceberg's {@code distribution-mode} none), so a retried
 * task is counted once.
 */
final class RunTally extends AccumulatorV2<RunTally.Reject, RunTally.Totals> {

    /** One rejected row: its entity id (null when it had none), why, and the row as the source gave it. */
    record Reject(String entityId, String reason, String rowData) implements java.io.Serializable {}

    /** The run's counts and the rejects kept. */
    record Totals(long rows, long degraded, long rejected, List<Reject> rejects) {
        @Override
        public String toString() { // Spark prints accumulator values: not the rejects themselves
            return rows + " rows, " + degraded + " degraded, " + rejected + " rejected";
        }
    }

    private final int keep;
    private long rows;
    private long degraded;
    private long rejected;
    private final ArrayList<Reject> rejects = new ArrayList<>();

    /** @param keep the rejects kept (the rest only counted): {@code --max-rejects} + 1 is enough to decide and write */
    RunTally(int keep) {
        this.keep = keep;
    }

    /** A row scored into a prediction. */
    void scored(boolean wasDegraded) {
        rows++;
        if (wasDegraded) {
            degraded++;
        }
    }

    @Override
    public void add(Reject reject) {
        rows++;
        rejected++;
        if (rejects.size() < keep) {
            rejects.add(reject);
        }
    }

    @Override
    public boolean isZero() {
        return rows == 0 && rejects.isEmpty();
    }

    @Override
    public RunTally copy() {
        RunTally copy = new RunTally(keep);
        copy.rows = rows;
        copy.degraded = degraded;
        copy.rejected = rejected;
        copy.rejects.addAll(rejects);
        return copy;
    }

    @Override
    public void reset() {
        rows = 0;
        degraded = 0;
        rejected = 0;
        rejects.clear();
    }

    @Override
    public void merge(AccumulatorV2<Reject, Totals> other) {
        RunTally o = (RunTally) other;
        rows += o.rows;
        degraded += o.degraded;
        rejected += o.rejected;
        for (Reject r : o.rejects) {
            if (rejects.size() >= keep) {
                break;
            }
            rejects.add(r);
        }
    }

    @Override
    public Totals value() {
        return new Totals(rows, degraded, rejected, List.copyOf(rejects));
    }
}
