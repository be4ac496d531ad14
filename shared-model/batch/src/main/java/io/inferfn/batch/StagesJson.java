package io.inferfn.batch;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.inferfn.scoring.Prediction;

/**
 * A chained model's stage results as one JSON text column ({@code stages}), the same objects {@code /predict}
 * answers with: {@code [{"model": "fraud", "version": "2", "score": 0.93, "label": "fraud", "degraded": false,
 * "missingFeatures": []}]}.
 */
final class StagesJson {

    private static final ObjectWriter WRITER = new ObjectMapper()
            .writerFor(new com.fasterxml.jackson.core.type.TypeReference<List<Prediction.Stage>>() {});

    private StagesJson() {}

    /** The stages as JSON, or null for a prediction of a model that reads no other model. */
    static String of(Prediction p) {
        if (p.stages() == null) {
            return null;
        }
        try {
            return WRITER.writeValueAsString(p.stages());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stage results cannot be written as JSON", e);
        }
    }
}
