package io.inferfn.eventscore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.inferfn.model.TextModel;
import io.inferfn.scoring.Prediction;

/**
 * A prediction as the JSON value of an output message: {@code {"entityId", "score", "label",
 * "probabilities" (multiclass models only), "degraded", "missingFeatures", "stages" (chained models only)}},
 * the shape {@code /predict} answers with; a text message's as {@link #writeText}. Written field by field
 * (no reflection on the per-message path).
 */
public final class PredictionJson {

    private static final JsonFactory JSON = new JsonFactory();

    private PredictionJson() {}

    public static byte[] write(Prediction p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("entityId", p.entityId());
            g.writeNumberField("score", p.score());
            if (p.label() != null) {
                g.writeStringField("label", p.label());
            }
            if (p.probabilities() != null) { // a multiclass model's probability per class
                g.writeObjectFieldStart("probabilities");
                for (java.util.Map.Entry<String, Float> e : p.probabilities().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeBooleanField("degraded", p.degraded());
            g.writeArrayFieldStart("missingFeatures");
            for (String f : p.missingFeatures()) {
                g.writeString(f);
            }
            g.writeEndArray();
            if (p.stages() != null) { // a model that reads other models: each one's result, in scoring order
                g.writeArrayFieldStart("stages");
                for (Prediction.Stage st : p.stages()) {
                    g.writeStartObject();
                    g.writeStringField("model", st.model());
                    g.writeStringField("version", st.version());
                    g.writeNumberField("score", st.score());
                    if (st.label() != null) {
                        g.writeStringField("label", st.label());
                    }
                    g.writeBooleanField("degraded", st.degraded());
                    g.writeArrayFieldStart("missingFeatures");
                    for (String f : st.missingFeatures()) {
                        g.writeString(f);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    /**
     * A text message's prediction: {@code {"id", "model", "version", "embedding"} } for an embedding model, {@code
     * {"id", "model", "version", "label", "probabilities"}} for a classifier, then {@code "tokens"} (what the model
     * saw, special tokens included) and {@code "truncated"}: the shape {@code /predict} answers a text with, and the
     * message's id.
     */
    public static byte[] writeText(String id, String model, String version, TextModel.Result r) {
        float[] embedding = r.embedding();
        ByteArrayOutputStream out = new ByteArrayOutputStream(embedding == null ? 160 : 64 + embedding.length * 12);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("model", model);
            g.writeStringField("version", version);
            if (embedding != null) {
                g.writeArrayFieldStart("embedding");
                for (float v : embedding) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
            } else {
                g.writeStringField("label", r.label());
                g.writeObjectFieldStart("probabilities");
                for (java.util.Map.Entry<String, Float> e : r.probabilities().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeNumberField("tokens", r.tokens());
            g.writeBooleanField("truncated", r.truncated());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }
}
