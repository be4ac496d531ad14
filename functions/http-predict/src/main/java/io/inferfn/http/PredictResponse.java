package io.inferfn.http;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.inferfn.scoring.Prediction;

/**
 * Answer of {@code POST /predict}: the model and version that scored, and either the single
 * prediction's fields or {@code predictions} for a batch.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PredictResponse {

    public String model;
    public String version;
    public String entityId;
    public Float score;
    public String label;
    public Boolean degraded;
    public List<String> missingFeatures;
    /** A multiclass model's probability per class. */
    public Map<String, Float> probabilities;
    /** For a model that reads other models' outputs: each model scored before it, in order. */
    public List<Prediction.Stage> stages;

    public List<Prediction> predictions;

    static PredictResponse single(String model, String version, Prediction p) {
        PredictResponse r = new PredictResponse();
        r.model = model;
        r.version = version;
        r.entityId = p.entityId();
        r.score = p.score();
        r.label = p.label();
        r.degraded = p.degraded();
        r.missingFeatures = p.missingFeatures();
        r.probabilities = p.probabilities();
        r.stages = p.stages();
        return r;
    }

    static PredictResponse batch(String model, String version, List<Prediction> predictions) {
        PredictResponse r = new PredictResponse();
        r.model = model;
        r.version = version;
        r.predictions = predictions;
        return r;
    }
}
