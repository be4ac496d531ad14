package io.inferfn.batchscore;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** Parquet in and out of the packaged function (target/quarkus-app), whose class loading differs from tests'. */
@QuarkusIntegrationTest
class ParquetFilesIT extends ParquetFilesTest {}
