package io.inferfn.http;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.funqy.Funq;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

import io.inferfn.auth.ModelAccess;
import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.PayloadTooLargeException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * HTTP trigger: {@code POST /predict} scores one row or a batch and returns the predictions to the caller.
 * A singleton: Funqy would otherwise build the bean, and its config mapping, for every request.
 */
@Singleton
public class PredictFunction {

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    HttpPredictConfig config;

    @Inject
    ModelAccess access;

    @Inject
    SecurityIdentity identity;

    @Inject
    CurrentVertxRequest current;

    @Funq
    public PredictResponse predict(PredictRequest request) {
        if (request == null) {
            throw new InvalidRequestException(
                    "request body is required: {\"entityId\": \"...\", \"features\":" + " {...}} or {\"rows\": [...]}");
        }
        LoadedModel model = catalog.resolve(request.model);
        RequestMetrics.Tracked tracked = RequestMetrics.of(current.getCurrent());
        if (tracked != null) {
            tracked.model(model);
        }
        access.check(identity, model.name());
        if (request.rows == null) {
            Prediction prediction = scorer.score(model, request);
            if (tracked != null) {
                tracked.scored(1, prediction.degraded());
            }
            return PredictResponse.single(model.name(), model.version(), prediction);
        }
        if (request.entityId != null || request.features != null) {
            throw new InvalidRequestException("send either one row (entityId, features) or 'rows', not both");
        }
        if (request.rows.size() > config.maxBatchRows()) {
            throw new PayloadTooLargeException("batch of " + request.rows.size() + " rows is over the limit of "
                    + config.maxBatchRows() + " (inferfn.http.max-batch-rows); split it");
        }
        if (request.rows.isEmpty()) {
            throw new InvalidRequestException("'rows' is empty; send at least one row");
        }
        for (int i = 0; i < request.rows.size(); i++) {
            if (request.rows.get(i) == null) {
                throw new InvalidRequestException("rows[" + i + "] is null; expected {\"entityId\", \"features\"}");
            }
        }
        List<Prediction> predictions = scorer.scoreBatch(model, request.rows);
        if (tracked != null) {
            tracked.scored(predictions.size(), anyDegraded(predictions));
        }
        return PredictResponse.batch(model.name(), model.version(), predictions);
    }

    static boolean anyDegraded(List<Prediction> predictions) {
        for (int i = 0, n = predictions.size(); i < n; i++) {
            if (predictions.get(i).degraded()) {
                return true;
            }
        }
        return false;
    }
}
