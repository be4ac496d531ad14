package io.inferfn.batchscore;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same suite against the packaged function (target/quarkus-app), as a container or Lambda runs it. */
@QuarkusIntegrationTest
class BatchScoreFunctionIT extends BatchScoreFunctionTest {}
