package io.inferfn.batch;

import java.time.Instant;
import javax.sql.DataSource;

import io.inferfn.model.LoadedModel;

/**
 * A source and sink scheme beyond the built-in {@code table:}, {@code sql:} and {@code file:} (Iceberg's
 * {@code iceberg:}, in {@code inferfn-batch-iceberg}), plugged in through
 * {@code META-INF/services/io.inferfn.batch.Scheme} like {@link FileFormat}, so a build without it carries none of
 * its jars.
 */
interface Scheme {

    /** The prefix of the sources and sinks this scheme opens, e.g. {@code iceberg:}. */
    String prefix();

    /** What a run may need to open this scheme's sources and sinks. */
    record Context(DataSource dataSource, BatchOptions options, CatalogSettings catalog) {}

    /** Opens {@code name} (the spec after the prefix) as a source of rows for {@code run}'s shard. */
    RowSource openSource(String name, Context context, LoadedModel model, RunSpec run) throws Exception;

    /** Opens {@code name} (the spec after the prefix) as a sink whose writes become visible at commit. */
    PredictionSink openSink(String name, Context context, LoadedModel model, RunSpec run, Instant started)
            throws Exception;
}
