package io.inferfn.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import ai.onnxruntime.OrtException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelIo;
import io.inferfn.model.OnnxModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.RetryLaterException;

/**
 * Where each model's inputs are assembled and its ONNX Runtime call runs: inline on the Vert.x event loop that
 * received the request and its Redis reply (no thread hop: a tabular model costs microseconds), or on a worker
 * thread for a model whose call at the largest batch ({@code inferfn.http.max-batch-rows}) takes longer than
 * {@code inferfn.http.event-loop-budget}. Decided once per model at load, by timing that call; a text model (a
 * transformer: milliseconds per text) always goes to the workers. At most {@code inferfn.http.worker-queue} calls are
 * queued or running on workers at once; one more is answered 503 with {@code Retry-After}.
 */
@Singleton
public class ScoringThreads {

    private static final Logger LOG = Logger.getLogger(ScoringThreads.class);

    /** Timed calls per model, after one warm-up; the fastest counts (the others may have been interrupted). */
    private static final int RUNS = 3;

    @Inject
    HttpPredictConfig config;

    @Inject
    OverloadConfig overload;

    private volatile LoadedModel[] onWorkers = new LoadedModel[0];

    private Semaphore workerSlots;

    @jakarta.annotation.PostConstruct
    void slots() {
        workerSlots = new Semaphore(config.workerQueue());
    }

    /**
     * Runs {@code work} on a worker thread, its result or failure completing the future on the caller's context; or,
     * when {@code inferfn.http.worker-queue} calls are already queued or running, returns null without running it
     * (answer {@link #busy()}).
     */
    public <T> Future<T> submit(Vertx vertx, Callable<T> work) {
        if (!workerSlots.tryAcquire()) {
            return null;
        }
        try {
            return vertx.<T>executeBlocking(work, false).andThen(done -> workerSlots.release());
        } catch (RuntimeException e) {
            workerSlots.release();
            throw e;
        }
    }

    /** The 503 of a call refused by {@link #submit}: the worker queue is full. */
    public RetryLaterException busy() {
        return RetryLaterException.serviceUnavailable(
                "busy: " + config.workerQueue() + " scoring calls are queued or running on worker threads"
                        + " (inferfn.http.worker-queue); retry shortly",
                overload.retryAfter());
    }

    void decide(@Observes ModelCatalog.ModelsLoaded loaded) {
        long budget = config.eventLoopBudget().toNanos();
        int rows = config.maxBatchRows();
        List<LoadedModel> slow = new ArrayList<>();
        for (LoadedModel model : loaded.models()) {
            if (model.text() != null) {
                slow.add(model);
                LOG.infof(
                        "Model %s %s is a text model (tokenizer + transformer): scored on worker threads, at most %d"
                                + " calls queued or running (inferfn.http.worker-queue)",
                        model.name(), model.version(), config.workerQueue());
                continue;
            }
            long nanos = 0;
            // a model that reads other models runs all of them in each call
            for (LoadedModel stage :
                    model.chain() == null ? List.of(model) : model.chain().stages()) {
                nanos += callNanos(stage.onnx(), rows);
            }
            boolean worker = nanos > budget;
            if (worker) {
                slow.add(model);
            }
            LOG.infof(
                    "Model %s %s: one ONNX Runtime call of %d rows takes %.3f ms; %s (inferfn.http.event-loop-budget"
                            + " %d ms)",
                    model.name(),
                    model.version(),
                    rows,
                    nanos / 1e6,
                    worker ? "over the budget: scored on worker threads" : "scored on the event loop",
                    config.eventLoopBudget().toMillis());
        }
        onWorkers = slow.toArray(new LoadedModel[0]);
    }

    /** Whether {@code model} is scored on a worker thread rather than on the event loop. */
    public boolean onWorker(LoadedModel model) {
        for (LoadedModel m : onWorkers) {
            if (m == model) {
                return true;
            }
        }
        return false;
    }

    /** The fastest of a few ORT calls of {@code rows} zero rows (native time: no JIT warm-up to wait for). */
    static long callNanos(OnnxModel onnx, int rows) {
        long best = Long.MAX_VALUE;
        if (onnx.io() != null) { // several inputs or other types: time the general call of zero rows
            try {
                for (int i = 0; i <= RUNS; i++) {
                    ModelIo.Inputs zeros = onnx.io().inputs(rows);
                    long start = System.nanoTime();
                    onnx.io().run(zeros);
                    long took = System.nanoTime() - start;
                    if (i > 0) {
                        best = Math.min(best, took);
                    }
                }
            } catch (OrtException | RuntimeException e) {
                LOG.warnf("Model call of %d rows failed at load (%s); it will be scored on worker threads", rows, e);
                return Long.MAX_VALUE;
            }
            return best;
        }
        try (OnnxModel.Run run = onnx.begin(rows)) {
            for (int i = 0; i <= RUNS; i++) {
                java.nio.FloatBuffer input = run.input();
                for (int f = rows * onnx.width(); f > 0; f--) {
                    input.put(0f);
                }
                long start = System.nanoTime();
                run.execute();
                long took = System.nanoTime() - start;
                if (i > 0) {
                    best = Math.min(best, took);
                }
                run.input().clear();
            }
        } catch (OrtException e) {
            // the model loaded and passed its checks; a model that cannot run a batch is safest off the event loop
            LOG.warnf("Model call of %d rows failed at load (%s); it will be scored on worker threads", rows, e);
            return Long.MAX_VALUE;
        }
        return best;
    }
}
