package io.inferfn.http;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The corrupt-model start against the packaged function. */
@QuarkusIntegrationTest
class ModelNotLoadedIT extends ModelNotLoadedTest {}
