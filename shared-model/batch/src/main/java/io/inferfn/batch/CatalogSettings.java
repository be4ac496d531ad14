package io.inferfn.batch;

import java.util.Locale;

/**
 * Where {@code iceberg:<namespace>.<table>} sources and sinks find their tables (used only where
 * {@code inferfn-batch-iceberg} is packaged).
 *
 * @param type {@code jdbc} (Iceberg's JDBC catalog, e.g. on the function's own PostgreSQL) or {@code glue} (AWS Glue)
 * @param name the catalog's name; the JDBC catalog keys its rows by it, so every writer and reader of the same
 *     tables (a Spark job too) must use the same name
 * @param uri the JDBC catalog's database URL ({@code jdbc:postgresql://...}); unused by Glue
 * @param user the JDBC catalog's database user, null for none
 * @param password the JDBC catalog's database password, null for none
 * @param warehouse where table data and metadata go: {@code file:/path} or {@code s3://bucket/prefix}; null when
 *     not configured (an {@code iceberg:} run then says so)
 * @param glueCatalogId the AWS account id of the Glue catalog, null for the caller's own
 */
public record CatalogSettings(
        String type, String name, String uri, String user, String password, String warehouse, String glueCatalogId) {

    /** The JDBC catalog, one of {@link #type()}'s values. */
    public static final String JDBC = "jdbc";

    /** The AWS Glue catalog, one of {@link #type()}'s values. */
    public static final String GLUE = "glue";

    public CatalogSettings {
        type = type == null ? JDBC : type.toLowerCase(Locale.ROOT);
        if (!JDBC.equals(type) && !GLUE.equals(type)) {
            throw new IllegalArgumentException(
                    "inferfn.batch.iceberg.catalog must be " + JDBC + " or " + GLUE + "; got '" + type + "'");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("inferfn.batch.iceberg.catalog-name must not be empty");
        }
    }

    /** The password is never part of the text (logs, messages). */
    @Override
    public String toString() {
        return type + " catalog " + name + (JDBC.equals(type) ? " at " + uri : "") + ", warehouse " + warehouse;
    }
}
