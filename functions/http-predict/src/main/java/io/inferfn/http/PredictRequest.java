package io.inferfn.http;

import java.util.List;

/**
 * Body of {@code POST /predict}: one row ({@code entityId} + {@code features}) or a batch
 * ({@code rows}), optionally naming the {@code model}; for a text model one {@code text} or a batch of {@code
 * texts} instead.
 */
public class PredictRequest extends PredictRow {

    /** Model name; optional when the function serves one model. */
    public String model;

    /** Batch form: rows scored in one feature-store round trip and one ORT call. */
    public List<PredictRow> rows;

    /** A text model's input: one text. Read as any JSON value, so that a number or object gets a clear 400. */
    public Object text;

    /** A text model's batch: texts scored in one ORT call, padded to the longest. */
    public List<Object> texts;
}
