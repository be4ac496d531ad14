package io.inferfn.batch;

import java.nio.file.Path;
import java.time.Instant;

import io.inferfn.model.LoadedModel;

/** {@code file:<path>.parquet}: columns named like the model's features, one row per entity. */
public final class ParquetFormat implements FileFormat {

    @Override
    public String extension() {
        return ".parquet";
    }

    @Override
    public RowSource openSource(Path file, String entityColumn, String textColumn, LoadedModel model, RunSpec run)
            throws Exception {
        return new ParquetSource(file, entityColumn, textColumn, model, run);
    }

    @Override
    public PredictionSink openSink(Path file, RunSpec run, LoadedModel model, Instant started) throws Exception {
        return new ParquetSink(file, run, model, started);
    }
}
