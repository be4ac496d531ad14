package io.inferfn.http;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnySetter;

import io.inferfn.scoring.Row;

/**
 * Body of {@code POST /predict}: one row ({@code entityId} + {@code features}) or a batch
 * ({@code rows}), optionally naming the {@code model}.
 */
public class PredictRequest implements Row {

    /** Model name; optional when the function serves one model. */
    public String model;

    /** Entity whose online features apply (single form). */
    public String entityId;

    /** Request features by name (single form). */
    public Map<String, Object> features;

    /** Batch form: rows scored in one feature-store round trip and one ORT call. */
    public List<PredictRow> rows;

    @Override
    public String entityId() {
        return entityId;
    }

    @Override
    public Map<String, ?> features() {
        return features;
    }

    /** A misspelt field must not be silently ignored (Funqy's JSON reader would skip it). */
    @JsonAnySetter
    void unknown(String name, Object value) {
        throw new IllegalArgumentException("unknown field '" + name + "'");
    }

    /** One row of the batch form. */
    public static class PredictRow implements Row {

        public String entityId;
        public Map<String, Object> features;

        @Override
        public String entityId() {
            return entityId;
        }

        @Override
        public Map<String, ?> features() {
            return features;
        }

        @JsonAnySetter
        void unknown(String name, Object value) {
            throw new IllegalArgumentException("unknown field '" + name + "'");
        }
    }
}
