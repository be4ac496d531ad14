package io.inferfn.http;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same suite against the packaged function (the fast-jar; the native executable with -Pnative). */
@QuarkusIntegrationTest
class PredictFunctionIT extends PredictFunctionTest {}
