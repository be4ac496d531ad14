package io.inferfn.batch;

import java.time.Instant;

import io.inferfn.model.LoadedModel;

/**
 * {@code iceberg:<namespace>.<table>}: an Iceberg table of the configured catalog (JDBC or Glue), as a source of
 * rows or as the predictions table ({@link IcebergSink}).
 */
public final class IcebergScheme implements Scheme {

    @Override
    public String prefix() {
        return "iceberg:";
    }

    @Override
    public RowSource openSource(String name, Context context, LoadedModel model, RunSpec run) {
        var id = IcebergCatalogs.identifier("source", name);
        var table = IcebergCatalogs.load(IcebergCatalogs.catalog(context.catalog()), id, "source");
        return new IcebergSource(
                table, context.options().entityColumn(), context.options().textColumn(), model, run);
    }

    @Override
    public PredictionSink openSink(String name, Context context, LoadedModel model, RunSpec run, Instant started)
            throws Exception {
        return new IcebergSink(IcebergCatalogs.catalog(context.catalog()), name, run, model, started);
    }
}
