package io.inferfn.batchscore;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Into Iceberg from the packaged function (target/quarkus-app), whose class loading differs from tests'. */
@QuarkusIntegrationTest
class IcebergTablesIT extends IcebergTablesTest {}
