package io.inferfn.batch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Rows from a PostgreSQL table or query, streamed through a server-side cursor ({@code fetchSize}
 * rows per round trip; never the whole result in memory), filtered to one shard by the database.
 * Only the entity column and the columns the model takes are selected; others are ignored.
 */
final class JdbcSource implements RowSource {

    private static final Logger LOG = Logger.getLogger(JdbcSource.class);
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");

    private final String description;
    private final Connection connection;
    private final Statement statement;
    private final ResultSet rs;
    private final String[] columns;
    private final int[] kinds;
    private final long estimated;

    private final FeatureType[] types;

    private static final int NUMBER = 0, BOOLEAN = 1, TIMESTAMP = 2, TIMESTAMPTZ = 3, TEXT = 4, DATE = 5;

    JdbcSource(
            DataSource dataSource,
            String spec,
            String entityColumn,
            String textColumn,
            LoadedModel model,
            RunSpec run,
            int fetchSize,
            Duration statementTimeout)
            throws SQLException {
        if (!IDENTIFIER.matcher(entityColumn).matches()) {
            throw new InvalidRequestException("entity column '" + entityColumn + "' is not a plain SQL identifier");
        }
        String from;
        String table = null;
        if (spec.startsWith("table:")) {
            table = spec.substring("table:".length());
            if (!IDENTIFIER.matcher(table).matches()) {
                throw new InvalidRequestException(
                        "source table '" + table + "' is not a plain SQL identifier (schema.table at most)");
            }
            from = table;
            description = "table " + table;
        } else {
            String sql = spec.substring("sql:".length()).trim();
            if (sql.endsWith(";")) {
                sql = sql.substring(0, sql.length() - 1).trim();
            }
            if ((!sql.regionMatches(true, 0, "select", 0, 6) && !sql.regionMatches(true, 0, "with", 0, 4))
                    || sql.contains(";")) {
                throw new InvalidRequestException(
                        "source sql: must be one SELECT query (no ';' inside); got '" + sql + "'");
            }
            from = "(" + sql + ") AS source";
            description = "query " + sql;
        }
        connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(false); // a cursor streams only inside a transaction
            connection.setReadOnly(true);
            // a query that never ends (or a sql: override that sleeps) must not hold a connection for ever;
            // with a cursor, each fetch is a statement of its own
            SqlErrors.statementTimeout(connection, statementTimeout);
            List<String> selected = new ArrayList<>();
            List<String> ignored = new ArrayList<>();
            String entity = null;
            try (Statement probe = connection.createStatement();
                    ResultSet empty = probe.executeQuery("SELECT * FROM " + from + " LIMIT 0")) {
                ResultSetMetaData md = empty.getMetaData();
                for (int c = 1; c <= md.getColumnCount(); c++) {
                    String name = md.getColumnLabel(c);
                    if (entity == null && name.equalsIgnoreCase(entityColumn)) {
                        entity = name;
                    } else if (Conversions.feeds(model, textColumn, name)) {
                        selected.add(name);
                    } else {
                        ignored.add(name);
                    }
                }
            }
            if (entity == null) {
                throw new InvalidRequestException(description + " has no column '" + entityColumn
                        + "'; set inferfn.batch.entity-column to the column holding the entity id");
            }
            if (!ignored.isEmpty()) {
                LOG.infof("%s: ignoring columns the model does not take: %s", description, ignored);
            }
            columns = selected.toArray(String[]::new);
            types = new FeatureType[columns.length];
            // the id as text: what the sink stores and what both Java and SQL hash into shards
            String id = "(" + quote(entity) + ")::text";
            StringBuilder sql = new StringBuilder("SELECT ").append(id);
            for (int i = 0; i < columns.length; i++) {
                sql.append(", ").append(quote(columns[i]));
                types[i] = Conversions.type(model, columns[i]);
            }
            sql.append(" FROM ").append(from);
            if (run.shardCount() > 1) {
                sql.append(" WHERE ").append(Shards.sqlPredicate(id, run.shardIndex(), run.shardCount()));
            }
            estimated = table == null ? -1 : estimate(table, run.shardCount());
            statement = connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(fetchSize);
            rs = statement.executeQuery(sql.toString());
            ResultSetMetaData md = rs.getMetaData();
            kinds = new int[columns.length];
            for (int i = 0; i < columns.length; i++) {
                kinds[i] = kind(md.getColumnType(i + 2), md.getColumnTypeName(i + 2));
            }
        } catch (SQLException e) {
            connection.close();
            String why = SqlErrors.unreadable(e);
            if (why != null) {
                // undefined table or column, syntax error: the source spec is wrong, not the server. The
                // server's text stays in the log: it may name what the caller did not send
                LOG.infof("%s cannot be read: %s", description, e.getMessage());
                throw new InvalidRequestException(description + " cannot be read: " + why);
            }
            throw e;
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private long estimate(String table, int shards) {
        try (PreparedStatement st =
                connection.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
            st.setString(1, table);
            try (ResultSet r = st.executeQuery()) {
                long n = r.next() ? r.getLong(1) : -1;
                return n > 0 ? n / shards : -1;
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    private static int kind(int sqlType, String typeName) {
        return switch (sqlType) {
            case Types.DOUBLE,
                    Types.FLOAT,
                    Types.REAL,
                    Types.NUMERIC,
                    Types.DECIMAL,
                    Types.INTEGER,
                    Types.BIGINT,
                    Types.SMALLINT,
                    Types.TINYINT -> NUMBER;
            case Types.BOOLEAN, Types.BIT -> BOOLEAN;
            case Types.TIMESTAMP_WITH_TIMEZONE -> TIMESTAMPTZ;
            case Types.DATE -> DATE;
            case Types.TIMESTAMP -> "timestamptz".equals(typeName) ? TIMESTAMPTZ : TIMESTAMP;
            default -> TEXT;
        };
    }

    @Override
    public String[] columns() {
        return columns;
    }

    @Override
    public boolean next(SourceBatch batch) throws SQLException {
        boolean any = false;
        // unreadable rows count too: a source of mostly bad rows must not fill memory with rejects
        while (!batch.full() && batch.read < batch.capacity() && rs.next()) {
            any = true;
            batch.read++;
            String entityId = rs.getString(1);
            if (Shards.blank(entityId)) {
                batch.unreadable.add(new SourceBatch.Unreadable(
                        null, "the entity id is empty; every row needs one to be scored and written", rowText()));
                continue;
            }
            SourceRow row = batch.slot();
            row.entityId = entityId;
            Object[] values = row.values;
            for (int i = 0; i < columns.length; i++) {
                int c = i + 2;
                if (kinds[i] == NUMBER && types[i] == FeatureType.NUMBER) {
                    double d = rs.getDouble(c); // the common case, without a BigDecimal per value
                    values[i] = rs.wasNull() ? null : d;
                    continue;
                }
                Object raw =
                        switch (kinds[i]) {
                            case TIMESTAMPTZ -> rs.getObject(c, OffsetDateTime.class);
                            case TIMESTAMP -> rs.getObject(c, LocalDateTime.class);
                            case DATE -> rs.getObject(c, LocalDate.class);
                            default -> rs.getObject(c);
                        };
                values[i] = Conversions.toFeature(raw, types[i]);
            }
            batch.commit();
        }
        return any;
    }

    /** Stops a fetch in progress (the reader thread may be blocked in it) before the source is closed. */
    @Override
    public void cancel() {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // closing follows anyway
        }
    }

    private String rowText() throws SQLException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(columns[i]).append('=').append(rs.getString(i + 2));
        }
        return sb.toString();
    }

    @Override
    public long estimatedRows() {
        return estimated;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() throws SQLException {
        try {
            rs.close();
            statement.close();
            connection.rollback(); // read-only: nothing to keep
        } finally {
            connection.close();
        }
    }
}
