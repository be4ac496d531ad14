package io.inferfn.spark;

import java.util.regex.Pattern;

/**
 * Where rows come from or go, by scheme: an Iceberg table, a Parquet directory, or a JDBC table (or, as a source, a
 * query).
 */
public sealed interface TableSpec {

    Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*){0,2}");

    /** {@code iceberg:<ns>.<table>} in the job's catalog, or {@code iceberg:<catalog>.<ns>.<table>}. */
    record IcebergTable(String name) implements TableSpec {
        /** The table's name for Spark: in {@code catalog} unless it names its own. */
        public String qualified(String catalog) {
            return name.split("\\.").length == 3 ? name : catalog + "." + name;
        }

        @Override
        public String toString() {
            return "iceberg:" + name;
        }
    }

    /** {@code parquet:<path>}: a local, HDFS or S3 directory Spark can reach. */
    record ParquetPath(String path) implements TableSpec {
        @Override
        public String toString() {
            return "parquet:" + path;
        }
    }

    /** {@code jdbc:<table>}, or as a source {@code jdbc:(select ...)}. */
    record JdbcTable(String table, String query) implements TableSpec {
        /** What Spark's JDBC source reads: the table, or the query as a derived table. */
        public String dbtable() {
            return table != null ? table : "(" + query + ") AS source";
        }

        @Override
        public String toString() {
            return "jdbc:" + (table != null ? table : "(" + query + ")");
        }
    }

    /**
     * Parses {@code spec}.
     *
     * @param option the option it was given as, for messages
     * @param source whether rows are read from it (a query is a source only)
     */
    static TableSpec parse(String option, String spec, boolean source) {
        String expected = source
                ? "iceberg:<ns>.<table>, parquet:<path>, jdbc:<table> or jdbc:(select ...)"
                : "iceberg:<ns>.<table>, parquet:<path> or jdbc:<table>";
        int colon = spec.indexOf(':');
        String scheme = colon < 0 ? "" : spec.substring(0, colon);
        String rest = colon < 0 ? "" : spec.substring(colon + 1).trim();
        switch (scheme) {
            case "iceberg" -> {
                if (!IDENTIFIER.matcher(rest).matches() || !rest.contains(".")) {
                    throw new IllegalArgumentException(option + " '" + spec
                            + "' names no Iceberg table; expected iceberg:<namespace>.<table> or"
                            + " iceberg:<catalog>.<namespace>.<table>");
                }
                return new IcebergTable(rest);
            }
            case "parquet" -> {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException(option + " '" + spec + "' names no directory; expected"
                            + " parquet:<path> (local, hdfs:// or s3://)");
                }
                return new ParquetPath(rest);
            }
            case "jdbc" -> {
                if (rest.startsWith("(") && rest.endsWith(")")) {
                    String query = rest.substring(1, rest.length() - 1).trim();
                    if (!source) {
                        throw new IllegalArgumentException(option + " '" + spec
                                + "' is a query; a sink is a table: jdbc:<table> or jdbc:<schema>.<table>");
                    }
                    if (!query.regionMatches(true, 0, "select", 0, 6) && !query.regionMatches(true, 0, "with", 0, 4)
                            || query.contains(";")) {
                        throw new IllegalArgumentException(
                                option + " '" + spec + "' must be one SELECT query in parentheses (no ';' inside)");
                    }
                    return new JdbcTable(null, query);
                }
                if (!IDENTIFIER.matcher(rest).matches() || rest.split("\\.").length > 2) {
                    throw new IllegalArgumentException(option + " '" + spec + "' is not a plain table name; expected"
                            + (source ? " jdbc:<schema>.<table> or jdbc:(select ...)" : " jdbc:<schema>.<table>"));
                }
                return new JdbcTable(rest, null);
            }
            default ->
                throw new IllegalArgumentException(
                        option + " '" + spec + "' has no known scheme; expected " + expected);
        }
    }
}
