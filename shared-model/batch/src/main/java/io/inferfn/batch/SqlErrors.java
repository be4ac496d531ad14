package io.inferfn.batch;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What a caller may learn of a database failure: a reason by SQLSTATE, never the server's text
 * (which names tables, columns, constraints and values the caller did not send). The full error
 * goes to the log with the run's error id.
 */
final class SqlErrors {

    private static final Pattern DUPLICATE_ENTITY =
            Pattern.compile("Key \\(run_id, entity_id\\)=\\([^,]*, (.*)\\) already exists\\.?");

    private SqlErrors() {}

    /** The first SQLSTATE in {@code t}'s causes, or null. */
    static String state(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * Why a source cannot be read, for the errors that mean the source itself is wrong (400); null
     * for the others (a server fault).
     */
    static String unreadable(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return null;
        }
        return switch (state) {
            case "42P01" -> "no such table or view (SQLSTATE 42P01)";
            case "42703" -> "a column it names does not exist (SQLSTATE 42703)";
            case "42601" -> "the query is not valid SQL (SQLSTATE 42601)";
            case "42501" -> "the database user may not read it (SQLSTATE 42501)";
            case "42883" -> "a function or operator it uses does not exist (SQLSTATE 42883)";
            default ->
                state.startsWith("42") || state.startsWith("22")
                        ? "the query is not valid here (SQLSTATE " + state + ")"
                        : null;
        };
    }

    /** Why a run failed midway, in words a caller can act on; null when nothing specific is known. */
    static String reason(Throwable t) {
        String state = state(t);
        if (state != null) {
            if (state.equals("57014")) {
                return "a database statement ran past its time limit (inferfn.batch.statement-timeout)";
            }
            if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                return "the database connection was lost (SQLSTATE " + state + ")";
            }
            if (state.equals("55P03")) {
                return "a lock on the sink table was not granted in time (another transaction holds it)";
            }
            if (state.equals("40001") || state.equals("40P01")) {
                return "the database aborted the transaction to resolve a conflict (SQLSTATE " + state + ")";
            }
            if (state.startsWith("53")) {
                return "the database ran out of resources (SQLSTATE " + state + ")";
            }
            return "a database error (SQLSTATE " + state + "; the log has the details)";
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException) {
                return "reading or writing a file failed (the log has the details)";
            }
        }
        return null;
    }

    /** The entity id a duplicate-key error on the predictions table names, or null. */
    static String duplicateEntity(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof PSQLException psql) {
                ServerErrorMessage server = psql.getServerErrorMessage();
                if (server != null && server.getDetail() != null) {
                    Matcher m = DUPLICATE_ENTITY.matcher(server.getDetail());
                    if (m.matches()) {
                        return m.group(1);
                    }
                }
            }
        }
        return null;
    }

    /**
     * Limits each later statement of {@code connection}'s open transaction to {@code timeout} (zero:
     * none); ends with the transaction, so a pooled connection keeps no setting.
     */
    static void statementTimeout(Connection connection, Duration timeout) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("SET LOCAL statement_timeout = " + timeout.toMillis());
        }
    }
}
