package io.inferfn.http;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The Open Inference Protocol tests against the packaged function. */
@QuarkusIntegrationTest
class InferenceProtocolIT extends InferenceProtocolTest {}
