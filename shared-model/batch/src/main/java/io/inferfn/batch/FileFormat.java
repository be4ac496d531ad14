package io.inferfn.batch;

import java.nio.file.Path;
import java.time.Instant;

import io.inferfn.model.LoadedModel;

/**
 * A file format for {@code file:} sources and sinks, chosen by the file's extension. CSV is built
 * in; others (Parquet, in {@code inferfn-batch-parquet}) plug in through
 * {@code META-INF/services/io.inferfn.batch.FileFormat}, so a build without them (the Lambda zip)
 * carries none of their jars.
 */
interface FileFormat {

    /** The file name extension this format reads and writes, e.g. {@code .csv}. */
    String extension();

    /**
     * Opens {@code file} as a source of rows for {@code run}'s shard: the entity id from {@code entityColumn}, and
     * the columns that feed the model ({@link Conversions#feeds}: its features, or a text model's {@code textColumn}).
     */
    RowSource openSource(Path file, String entityColumn, String textColumn, LoadedModel model, RunSpec run)
            throws Exception;

    /** Opens a sink that becomes {@code file} at commit. */
    PredictionSink openSink(Path file, RunSpec run, LoadedModel model, Instant started) throws Exception;
}
