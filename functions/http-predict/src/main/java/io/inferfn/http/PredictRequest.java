package io.inferfn.http;

import java.util.List;

/**
 * Body of {@code POST /predict}: one row ({@code entityId} + {@code features}) or a batch
 * ({@code rows}), optionally naming the {@code model}.
 */
public class PredictRequest extends PredictRow {

    /** Model name; optional when the function serves one model. */
    public String model;

    /** Batch form: rows scored in one feature-store round trip and one ORT call. */
    public List<PredictRow> rows;
}
