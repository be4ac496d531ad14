package io.inferfn.batch;

import java.nio.file.Path;
import java.time.Instant;

import io.inferfn.model.LoadedModel;

/** {@code file:<path>.csv}: a header row, then one row per entity. */
public final class CsvFormat implements FileFormat {

    @Override
    public String extension() {
        return ".csv";
    }

    @Override
    public RowSource openSource(Path file, String entityColumn, String textColumn, LoadedModel model, RunSpec run)
            throws Exception {
        return new CsvSource(file, entityColumn, textColumn, model, run);
    }

    @Override
    public PredictionSink openSink(Path file, RunSpec run, LoadedModel model, Instant started) throws Exception {
        return new CsvSink(file, run, model, started);
    }
}
