package io.inferfn.http;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the HTTP trigger. */
@ConfigMapping(prefix = "inferfn.http")
public interface HttpPredictConfig {

    /** Most rows one batch request may carry; more is a 413. */
    @WithDefault("1024")
    int maxBatchRows();

    /**
     * The longest ONNX Runtime call (measured per model at load, on a batch of {@link #maxBatchRows()} rows) that
     * may run on the Vert.x event loop. A model over it is scored on a worker thread instead, so that the event
     * loop, which serves every other request of its connections, never stalls behind it.
     */
    @WithDefault("1ms")
    Duration eventLoopBudget();

    /** Most texts one {@code /predict} call to a text model may carry ({@code "texts"}); more is a 413. */
    @WithDefault("64")
    int maxBatchTexts();

    /**
     * Most scoring calls queued or running on worker threads at once (text models, and tabular models over {@link
     * #eventLoopBudget()}); one more is answered 503 with {@code Retry-After} instead of piling up behind them.
     */
    @WithDefault("64")
    int workerQueue();
}
