package io.inferfn.batchscore;

import jakarta.inject.Inject;

import io.quarkus.arc.Arc;
import io.quarkus.funqy.Funq;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

import io.inferfn.batch.RunSummary;
import io.inferfn.runtime.metrics.InvocationMetrics;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Schedule trigger on AWS (and on demand locally): {@code runBatch} — {@code POST /runBatch} over
 * HTTP, the Lambda handler EventBridge Scheduler invokes once per shard — scores one shard of a run
 * from the source into the sink and returns its summary.
 */
public class BatchScoreFunction {

    @Inject
    BatchRuns runs;

    @Inject
    CurrentVertxRequest http;

    @Inject
    CurrentIdentityAssociation identity;

    @Inject
    InvocationMetrics metrics;

    /** One shard of a run; on Lambda, the invocation's metrics leave as EMF lines as it ends, whatever its outcome. */
    @Funq
    public RunSummary runBatch(RunBatchRequest request) {
        try {
            return run(request);
        } finally {
            metrics.invocationEnded();
        }
    }

    private RunSummary run(RunBatchRequest request) {
        if (request == null) {
            throw new InvalidRequestException("request body is required: {\"runId\": \"...\", \"shardIndex\": 0,"
                    + " \"shardCount\": 1} (source and sink optional)");
        }
        String runId = request.runId != null ? request.runId : request.scheduledTime;
        if (runId == null) {
            throw new InvalidRequestException(
                    "'runId' (or 'scheduledTime') is required: reruns with the same id replace that run's predictions");
        }
        return runs.run(
                httpCaller(),
                runId,
                request.shardIndex == null ? 0 : request.shardIndex,
                request.shardCount == null ? 1 : request.shardCount,
                request.source,
                request.sink);
    }

    /**
     * The caller of {@code POST /runBatch} (anonymous when it sent no credentials); null when the
     * Lambda runtime invoked the function, which IAM allowed ({@code lambda:InvokeFunction}).
     */
    private SecurityIdentity httpCaller() {
        if (!Arc.container().requestContext().isActive() || http.getCurrent() == null) {
            return null;
        }
        return identity.getIdentity();
    }
}
