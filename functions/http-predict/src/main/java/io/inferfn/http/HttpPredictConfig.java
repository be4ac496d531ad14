package io.inferfn.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the HTTP trigger. */
@ConfigMapping(prefix = "inferfn.http")
public interface HttpPredictConfig {

    /** Most rows one batch request may carry; more is a 413. */
    @WithDefault("1024")
    int maxBatchRows();
}
