package io.inferfn.eventscore;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same tests against the packaged jar (a separate process), with a real broker and Redis. */
@QuarkusIntegrationTest
class EventScoreIT extends EventScoreTest {}
