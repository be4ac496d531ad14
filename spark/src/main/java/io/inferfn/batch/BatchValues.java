package io.inferfn.batch;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;

import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.Prediction;

/**
 * The batch core's value handling, for the Spark job (which lives in this package for it, as {@code
 * inferfn-batch-parquet} does): a DataFrame value becomes a feature exactly as the same value read by batch-score's
 * sources does, and a chained prediction's stages are the same JSON text.
 */
public final class BatchValues {

    private BatchValues() {}

    /**
     * {@code v}, a value of a Spark {@code Row}, as the feature of {@code type} batch-score would score: Spark's
     * {@code java.sql.Date} is a UTC calendar day (as a PostgreSQL {@code date}), its {@code Timestamp} and {@code
     * Instant} an instant (as a {@code timestamptz}).
     */
    public static Object toFeature(Object v, FeatureType type) {
        if (v instanceof java.sql.Date d) {
            v = d.toLocalDate();
        } else if (v instanceof Timestamp t) {
            v = t.toInstant().atOffset(ZoneOffset.UTC);
        } else if (v instanceof Instant i) {
            v = i.atOffset(ZoneOffset.UTC);
        }
        return Conversions.toFeature(v, type);
    }

    /** A chained prediction's stages as batch-score's sinks write them, or null for a model that reads no other. */
    public static String stagesJson(Prediction p) {
        return StagesJson.of(p);
    }

    /** Whether {@code entityId} cannot name a row (null or blank), as batch-score's sources decide. */
    public static boolean blankEntity(String entityId) {
        return Shards.blank(entityId);
    }
}
