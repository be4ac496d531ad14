package io.inferfn.batch;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Prediction;

/**
 * Predictions into a PostgreSQL table with {@code COPY ... FROM STDIN} (the fastest bulk path),
 * rejects into {@code <table>_rejects}, all in one transaction per run and shard: it first deletes
 * what an earlier attempt of the same run wrote for this shard, so a rerun replaces instead of
 * duplicating, and a run killed midway leaves nothing (PostgreSQL rolls the transaction back when
 * the connection drops). The primary key {@code (run_id, entity_id)} makes a duplicate an error,
 * never a silent second row.
 */
final class PostgresSink implements PredictionSink {

    private static final int FLUSH_BYTES = 256 * 1024;
    private static final JsonStringEncoder JSON_STRINGS = JsonStringEncoder.getInstance();

    private final String table;
    private final RunSpec run;
    private final String model;
    private final String version;
    private final String scoredAt;
    private final Connection connection;
    private final PreparedStatement rejects;
    private final StringBuilder text = new StringBuilder(FLUSH_BYTES + 4096);
    private final StringBuilder json = new StringBuilder(256);
    private final Duration statementTimeout;
    private final boolean probabilities;
    /** Whether the model is a text embedding model: each row's vector goes to column {@code embedding real[]}. */
    private final boolean embeds;

    private CopyIn copy;
    private int pendingRejects;
    /** Whether the model reads other models' outputs: each row's stages go to column {@code stages}. */
    private final boolean chained;

    PostgresSink(
            DataSource dataSource,
            String table,
            RunSpec run,
            LoadedModel model,
            Instant startedAt,
            Duration statementTimeout)
            throws SQLException {
        if (!JdbcSource.IDENTIFIER.matcher(table).matches()) {
            throw new InvalidRequestException(
                    "sink table '" + table + "' is not a plain SQL identifier (schema.table at most)");
        }
        this.table = table;
        this.run = run;
        this.model = model.name();
        this.version = model.version();
        this.chained = model.chain() != null;
        this.scoredAt = startedAt.toString();
        this.statementTimeout = statementTimeout;
        this.probabilities =
                model.manifest().output().outputKind() == io.inferfn.model.ModelManifest.OutputKind.MULTICLASS;
        this.embeds = model.text() != null && model.text().embeds();
        ensureTables(dataSource, table);
        if (chained) {
            ensureColumn(dataSource, table, "stages", "text", "the stages of a chained model");
        }
        if (probabilities) {
            ensureColumn(dataSource, table, "probabilities", "jsonb", "the class probabilities of a multiclass model");
        }
        if (embeds) {
            ensureColumn(dataSource, table, "embedding", "real[]", "the embeddings of a text model");
        }
        connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                // never wait for hours behind a lock a lost connection still holds
                st.execute("SET LOCAL lock_timeout = '30s'");
            }
            SqlErrors.statementTimeout(connection, statementTimeout);
            try (PreparedStatement lock =
                    connection.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, table + "/" + run.runId() + "/" + run.shardIndex() + "/" + run.shardCount());
                try (var rs = lock.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new InvalidRequestException(run.describe() + " is already being written to " + table
                                + " by another attempt; let it finish (or stop it) before rerunning");
                    }
                }
            }
            String shard = run.shardCount() == 1
                    ? ""
                    : " AND " + Shards.sqlPredicate("entity_id", run.shardIndex(), run.shardCount());
            try (PreparedStatement st =
                            connection.prepareStatement("DELETE FROM " + table + " WHERE run_id = ?" + shard);
                    PreparedStatement sr =
                            connection.prepareStatement("DELETE FROM " + table + "_rejects WHERE run_id = ?" + shard)) {
                st.setString(1, run.runId());
                st.executeUpdate();
                sr.setString(1, run.runId());
                sr.executeUpdate();
            }
            rejects = connection.prepareStatement("INSERT INTO " + table
                    + "_rejects (run_id, entity_id, reason, row_data, rejected_at) VALUES (?, ?, ?, ?, ?)");
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Creates the tables if absent, in their own transactions so concurrent shards do not trip each other. */
    static void ensureTables(DataSource dataSource, String table) throws SQLException {
        String index = table.replace('.', '_') + "_rejects_run";
        String[][] objects = {
            {
                table,
                "CREATE TABLE IF NOT EXISTS " + table + " (run_id text NOT NULL, entity_id text NOT NULL,"
                        + " model text NOT NULL, model_version text NOT NULL, score real NOT NULL, label text,"
                        + " degraded boolean NOT NULL, missing_features text, scored_at timestamptz NOT NULL,"
                        + " probabilities jsonb, embedding real[], PRIMARY KEY (run_id, entity_id))"
            },
            {
                table + "_rejects",
                "CREATE TABLE IF NOT EXISTS " + table + "_rejects (run_id text NOT NULL, entity_id text,"
                        + " reason text NOT NULL, row_data text, rejected_at timestamptz NOT NULL)"
            },
            {
                (table.contains(".") ? table.substring(0, table.indexOf('.') + 1) : "") + index,
                "CREATE INDEX IF NOT EXISTS " + index + " ON " + table + "_rejects (run_id)"
            }
        };
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (String[] object : objects) {
                // DDL only when missing: CREATE ... IF NOT EXISTS still takes locks that would queue
                // behind running shards, and needs privileges a writer may rightly lack
                try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                    exists.setString(1, object[0]);
                    try (var rs = exists.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            continue;
                        }
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute(object[1]);
                } catch (SQLException e) {
                    if ("42501".equals(e.getSQLState())) {
                        throw new InvalidRequestException("cannot create " + object[0] + " for the predictions: the"
                                + " database user may not (SQLSTATE 42501); create it ahead (see"
                                + " functions/batch-score/README.md) or grant CREATE on the schema");
                    }
                    // two shards creating the same table at once: one wins, the other sees it exists, as a
                    // relation (42P07), its row type (42710, duplicate_object) or the catalog's unique index (23505)
                    String state = e.getSQLState();
                    if (!"23505".equals(state) && !"42P07".equals(state) && !"42710".equals(state)) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Adds a nullable column to a predictions table made before it existed (rows already there keep their
     * meaning), only when a model needs it and the column is missing: a multiclass model's {@code probabilities
     * jsonb}, a chained model's {@code stages text}, a text embedding model's {@code embedding real[]}. A user who may not alter the table gets the statement to run.
     */
    static void ensureColumn(DataSource dataSource, String table, String column, String type, String forWhat)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement has = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_attribute"
                    + " WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped)")) {
                has.setString(1, table);
                has.setString(2, column);
                try (var rs = has.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            String alter = "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column + " " + type;
            try (Statement st = c.createStatement()) {
                st.execute(alter);
            } catch (SQLException e) {
                if ("42501".equals(e.getSQLState())) {
                    throw new InvalidRequestException("table " + table + " has no column '" + column + "' for "
                            + forWhat + ", and the database user may not add it (SQLSTATE 42501); run " + alter
                            + " as its owner");
                }
                throw e;
            }
        }
    }

    @Override
    public void write(List<Prediction> predictions) throws SQLException {
        if (copy == null) {
            // the COPY lasts as long as the run (paced by the source, whose statements are limited)
            SqlErrors.statementTimeout(connection, Duration.ZERO);
            copy = connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + table + " (run_id, entity_id, model, model_version, score, label, degraded,"
                            + " missing_features, scored_at" + (chained ? ", stages" : "")
                            + (probabilities ? ", probabilities" : "") + (embeds ? ", embedding" : "")
                            + ") FROM STDIN");
        }
        StringBuilder sb = text;
        for (Prediction p : predictions) {
            escape(sb, run.runId()).append('\t');
            escape(sb, p.entityId()).append('\t');
            escape(sb, model).append('\t');
            escape(sb, version).append('\t');
            sb.append(p.score()).append('\t');
            if (p.label() == null) {
                sb.append("\\N");
            } else {
                escape(sb, p.label());
            }
            sb.append('\t').append(p.degraded() ? 't' : 'f').append('\t');
            if (p.missingFeatures().isEmpty()) {
                sb.append("\\N");
            } else {
                escape(sb, String.join(",", p.missingFeatures()));
            }
            sb.append('\t').append(scoredAt);
            if (chained) {
                sb.append('\t');
                escape(sb, StagesJson.of(p));
            }
            if (probabilities) {
                sb.append('\t');
                Map<String, Float> classes = p.probabilities();
                if (classes == null) {
                    sb.append("\\N");
                } else {
                    // a JSON object {"class": probability, ...} in the model's class order, then COPY-escaped
                    json.setLength(0);
                    json.append('{');
                    for (Map.Entry<String, Float> e : classes.entrySet()) {
                        if (json.length() > 1) {
                            json.append(',');
                        }
                        json.append('"');
                        JSON_STRINGS.quoteAsString(e.getKey(), json);
                        json.append("\":").append(e.getValue().floatValue());
                    }
                    escape(sb, json.append('}'));
                }
            }
            if (embeds) {
                // an array literal {0.1,-0.2,...}: digits, signs, '.', 'E', NaN and Infinity need no COPY escaping
                sb.append('\t').append('{');
                float[] vector = p.embedding();
                for (int i = 0; i < vector.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(vector[i]);
                }
                sb.append('}');
            }
            sb.append('\n');
        }
        if (sb.length() >= FLUSH_BYTES) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (text.length() > 0) {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            text.setLength(0);
        }
    }

    /** COPY text format: backslash, tab, newline and carriage return are escaped. */
    private static StringBuilder escape(StringBuilder sb, CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb;
    }

    @Override
    public void reject(String entityId, String reason, String row) throws SQLException {
        rejects.setString(1, run.runId());
        rejects.setString(2, entityId);
        rejects.setString(3, reason);
        rejects.setString(4, row);
        rejects.setTimestamp(5, Timestamp.from(Instant.parse(scoredAt)));
        rejects.addBatch();
        pendingRejects++;
    }

    @Override
    public void commit() throws SQLException {
        if (copy != null) {
            flush();
            copy.endCopy();
            copy = null;
            SqlErrors.statementTimeout(connection, statementTimeout);
        }
        if (pendingRejects > 0) {
            rejects.executeBatch();
            pendingRejects = 0;
        }
        connection.commit();
    }

    @Override
    public String describe() {
        return "table " + table;
    }

    @Override
    public void close() throws SQLException {
        // each step on its own: a failed cancel must not skip the rollback, or the pool's reset
        // (autocommit on) would commit this attempt's DELETE of the previous attempt's rows
        try {
            if (copy != null && copy.isActive()) {
                copy.cancelCopy();
            }
        } catch (SQLException e) {
            // the connection is probably gone; the rollback below decides
        }
        try {
            rejects.close();
        } catch (SQLException e) {
            // nothing to keep
        }
        try {
            if (!connection.isClosed()) {
                connection.rollback(); // after commit() this is a no-op
            }
        } catch (SQLException e) {
            connection.abort(Runnable::run); // never hand a connection with an open transaction back to the pool
            return;
        }
        connection.close();
    }
}
