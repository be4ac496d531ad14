package io.inferfn.batch;

/** Where a batch run reads its rows: streamed, never the whole source in memory. */
interface RowSource extends AutoCloseable {

    /** The feature columns this source supplies, in the order its rows hold them. */
    String[] columns();

    /**
     * Fills {@code batch} with the next rows of this shard (up to its capacity).
     *
     * @return false when the source is exhausted and nothing was added
     */
    boolean next(SourceBatch batch) throws Exception;

    /** Rows expected for this shard, for the ETA; -1 when unknown. */
    long estimatedRows();

    /** Interrupts a read in progress from another thread, so that a failed run can close the source. */
    default void cancel() {}

    /** "table customers", "file /data/customers.csv" */
    String describe();

    @Override
    void close() throws Exception;
}
