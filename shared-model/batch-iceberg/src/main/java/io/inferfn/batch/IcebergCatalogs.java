package io.inferfn.batch;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.jdbc.UncheckedSQLException;
import org.jboss.logging.Logger;

import io.inferfn.batch.iceberg.PredictionTable;
import io.inferfn.scoring.InvalidRequestException;

/**
 * The Iceberg catalogs of {@code iceberg:} sources and sinks, one per {@link CatalogSettings} for the life of the
 * process (a catalog holds a connection pool, or an AWS client, and is thread-safe), and the tables in them.
 */
final class IcebergCatalogs {

    private static final Logger LOG = Logger.getLogger(IcebergCatalogs.class);
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");
    private static final Map<CatalogSettings, Catalog> OPEN = new ConcurrentHashMap<>();

    static final String JDBC_CATALOG = "org.apache.iceberg.jdbc.JdbcCatalog";
    static final String GLUE_CATALOG = "org.apache.iceberg.aws.glue.GlueCatalog";

    private IcebergCatalogs() {}

    /** {@code <namespace>.<table>} as an identifier, or a clear refusal. */
    static TableIdentifier identifier(String what, String name) {
        if (!TABLE.matcher(name).matches()) {
            throw new InvalidRequestException(
                    what + " iceberg:" + name + " is not iceberg:<namespace>.<table> (letters,"
                            + " digits and _, the namespace possibly dotted), e.g. iceberg:gold.churn_predictions");
        }
        return TableIdentifier.parse(name);
    }

    /** The catalog of {@code settings}, opened on first use. */
    static Catalog catalog(CatalogSettings settings) {
        if (settings == null) {
            throw new InvalidRequestException("iceberg: sources and sinks need a catalog, and none is configured"
                    + " (inferfn.batch.iceberg.catalog, .uri, .warehouse)");
        }
        if (settings.warehouse() == null || settings.warehouse().isBlank()) {
            throw new InvalidRequestException("iceberg: sources and sinks need a warehouse, and none is configured:"
                    + " set inferfn.batch.iceberg.warehouse to file:/<path> or s3://<bucket>/<prefix>");
        }
        return OPEN.computeIfAbsent(settings, s -> {
            LOG.infof("opening the Iceberg %s", s);
            return CatalogUtil.buildIcebergCatalog(s.name(), properties(s), new Configuration());
        });
    }

    /** The catalog properties of {@code settings}, as Iceberg's own catalog loader takes them. */
    static Map<String, String> properties(CatalogSettings settings) {
        Map<String, String> p = new HashMap<>();
        p.put(CatalogProperties.WAREHOUSE_LOCATION, settings.warehouse());
        // s3:// through S3FileIO, anything else (file:) through Hadoop's file systems
        p.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.io.ResolvingFileIO");
        // the AWS SDK over the JDK's HTTP client, as everywhere in this project (no Apache client packaged)
        p.put("http-client.type", "urlconnection");
        if (CatalogSettings.GLUE.equals(settings.type())) {
            p.put(CatalogProperties.CATALOG_IMPL, GLUE_CATALOG);
            if (settings.glueCatalogId() != null) {
                p.put("glue.id", settings.glueCatalogId());
            }
            // a commit is Glue's optimistic check on the metadata location: no lock table needed
            p.put("glue.skip-archive", "true");
        } else {
            if (settings.uri() == null || settings.uri().isBlank()) {
                throw new InvalidRequestException("the Iceberg JDBC catalog needs a database: set"
                        + " inferfn.batch.iceberg.uri (by default the function's quarkus.datasource.jdbc.url)");
            }
            p.put(CatalogProperties.CATALOG_IMPL, JDBC_CATALOG);
            p.put(CatalogProperties.URI, settings.uri());
            if (settings.user() != null) {
                p.put("jdbc.user", settings.user());
            }
            if (settings.password() != null) {
                p.put("jdbc.password", settings.password());
            }
            p.put(CatalogProperties.CLIENT_POOL_SIZE, "4");
        }
        return p;
    }

    /** The table {@code id}, or a clear refusal when it does not exist. */
    static Table load(Catalog catalog, TableIdentifier id, String what) {
        try {
            return catalog.loadTable(id);
        } catch (NoSuchTableException e) {
            throw new InvalidRequestException(
                    what + " iceberg:" + id + " does not exist in the " + catalog.name() + " catalog");
        }
    }

    /**
     * The table {@code id} with {@code schema}, created (with its namespace) if missing; concurrent shards creating
     * it at once all end with the one table. A table whose schema differs is refused, naming both.
     */
    static Table loadOrCreate(Catalog catalog, TableIdentifier id, Schema schema, PartitionSpec spec) {
        Table table;
        try {
            table = catalog.loadTable(id);
        } catch (NoSuchTableException missing) {
            Namespace ns = id.namespace();
            if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(ns)) {
                try {
                    namespaces.createNamespace(ns); // AlreadyExistsException, or a SQL error, when another shard won
                } catch (RuntimeException raced) {
                    if (!namespaces.namespaceExists(ns)) {
                        throw raced;
                    }
                }
            }
            try {
                table = catalog.buildTable(id, schema)
                        .withPartitionSpec(spec)
                        .withProperties(PredictionTable.properties())
                        .create();
                LOG.infof("created Iceberg table %s", id);
            } catch (AlreadyExistsException | UncheckedSQLException raced) {
                // another shard created it first: the JDBC catalog reports that on PostgreSQL as a unique violation
                try {
                    table = catalog.loadTable(id);
                } catch (NoSuchTableException still) {
                    throw raced;
                }
            }
        }
        addEmbedding(table, schema);
        var differences = PredictionTable.differences(schema, table.schema());
        if (!differences.isEmpty()) {
            throw new InvalidRequestException("Iceberg table " + id + " does not have the schema batch scoring writes: "
                    + String.join("; ", differences) + ". Expected " + columns(schema) + "; the table has "
                    + columns(table.schema()) + ". Write to another table, or migrate this one");
        }
        return table;
    }

    /**
     * Adds the optional {@code embedding} column (text models) to a predictions table made before it existed, after
     * {@code probabilities}, when that column is all it lacks; rows already there keep their meaning. Shards adding it at once: one wins, the others
     * find it there.
     */
    private static void addEmbedding(Table table, Schema schema) {
        var want = schema.findField(PredictionTable.EMBEDDING);
        if (want == null
                || !PredictionTable.differences(schema, table.schema())
                        .equals(java.util.List.of("no column " + PredictionTable.describe(want)))) {
            return; // it has the column, or differs otherwise: refused below, naming every difference
        }
        try {
            table.updateSchema()
                    .addColumn(PredictionTable.EMBEDDING, want.type(), want.doc())
                    .moveAfter(PredictionTable.EMBEDDING, "probabilities")
                    .commit();
            LOG.infof("added column %s to Iceberg table %s", PredictionTable.EMBEDDING, table.name());
        } catch (RuntimeException raced) {
            table.refresh();
            if (table.schema().findField(PredictionTable.EMBEDDING) == null) {
                throw raced;
            }
        }
    }

    private static String columns(Schema schema) {
        StringBuilder sb = new StringBuilder("(");
        for (var field : schema.columns()) {
            sb.append(sb.length() > 1 ? ", " : "").append(PredictionTable.describe(field));
        }
        return sb.append(')').toString();
    }
}
