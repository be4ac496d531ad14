package io.inferfn.localstack;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: one real PostgreSQL per test run on a free port, wired into the default
 * datasource. Tests reach the running server through {@link #postgres()}.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalPostgres postgres;

    /** The server the current Quarkus test application is connected to. */
    public static LocalPostgres postgres() {
        if (postgres == null) {
            throw new IllegalStateException("PostgresTestResource has not started; annotate the test with "
                    + "@QuarkusTestResource(PostgresTestResource.class)");
        }
        return postgres;
    }

    @Override
    public Map<String, String> start() {
        postgres = LocalPostgres.startOnFreePort();
        return Map.of(
                "quarkus.datasource.jdbc.url",
                postgres.jdbcUrl(),
                "quarkus.datasource.username",
                LocalPostgres.USER,
                "quarkus.datasource.password",
                "");
    }

    @Override
    public void stop() {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
