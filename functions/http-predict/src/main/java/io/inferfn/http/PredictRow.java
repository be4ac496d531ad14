package io.inferfn.http;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnySetter;

import io.inferfn.scoring.Row;

/** One row to score: the entity whose online features apply and the request features. */
public class PredictRow implements Row {

    /** Entity whose online features apply. */
    public String entityId;

    /** Request features by name. */
    public Map<String, Object> features;

    @Override
    public String entityId() {
        return entityId;
    }

    @Override
    public Map<String, ?> features() {
        return features;
    }

    /** A misspelt field must not be silently ignored (a lenient JSON reader would skip it). */
    @JsonAnySetter
    void unknown(String name, Object value) {
        throw new IllegalArgumentException("unknown field '" + name + "'");
    }
}
