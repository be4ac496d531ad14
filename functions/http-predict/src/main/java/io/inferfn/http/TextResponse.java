package io.inferfn.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.inferfn.model.TextModel;

/**
 * Answer of {@code POST /predict} to a text model: the model and version, and the one text's fields ({@code
 * embedding}, or {@code label} and {@code probabilities}) or {@code predictions} for a batch of {@code texts}.
 *
 * @param tokens the tokens the model saw, special tokens included
 * @param truncated true when the text was cut to the model's maximum length (its manifest's {@code text.maxLength})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TextResponse(
        String model,
        String version,
        float[] embedding,
        String label,
        Map<String, Float> probabilities,
        Integer tokens,
        Boolean truncated,
        List<TextPrediction> predictions) {

    /** One text's outcome in a batch answer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TextPrediction(
            float[] embedding, String label, Map<String, Float> probabilities, int tokens, boolean truncated) {}

    static TextResponse of(String model, String version, List<TextModel.Result> results, boolean batch) {
        if (!batch) {
            TextModel.Result r = results.get(0);
            return new TextResponse(
                    model, version, r.embedding(), r.label(), r.probabilities(), r.tokens(), r.truncated(), null);
        }
        List<TextPrediction> predictions = new ArrayList<>(results.size());
        for (TextModel.Result r : results) {
            predictions.add(new TextPrediction(r.embedding(), r.label(), r.probabilities(), r.tokens(), r.truncated()));
        }
        return new TextResponse(model, version, null, null, null, null, null, predictions);
    }
}
