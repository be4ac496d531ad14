package io.inferfn.batch;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A mock, by necessity: AWS Glue cannot run here, so this checks only the wiring, the catalog properties an
 * {@code inferfn.batch.iceberg.catalog=glue} configuration builds for Iceberg's catalog loader, and that the Glue
 * catalog and S3 file IO classes are packaged. No AWS call is made.
 */
class GlueCatalogMockTest {

    @Test
    void aGlueConfigurationBuildsGlueCatalogPropertiesWithS3FileIo() throws Exception {
        Map<String, String> p = IcebergCatalogs.properties(new CatalogSettings(
                "GLUE", "inferfn", "jdbc:postgresql://ignored", "u", "secret", "s3://lake/gold", "123456789012"));
        assertThat(p)
                .containsEntry("catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog")
                .containsEntry("warehouse", "s3://lake/gold")
                .containsEntry("glue.id", "123456789012")
                .containsEntry("io-impl", "org.apache.iceberg.io.ResolvingFileIO")
                .containsEntry("http-client.type", "urlconnection")
                .doesNotContainKeys("uri", "jdbc.user", "jdbc.password");
        Class.forName(p.get("catalog-impl"));
        Class.forName("org.apache.iceberg.aws.s3.S3FileIO");
        Class.forName("software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient");
    }

    @Test
    void aJdbcConfigurationCarriesTheDatabaseAndItsCredentials() {
        Map<String, String> p = IcebergCatalogs.properties(new CatalogSettings(
                "jdbc", "inferfn", "jdbc:postgresql://db:5432/app", "app", "secret", "file:/lake", null));
        assertThat(p)
                .containsEntry("catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
                .containsEntry("uri", "jdbc:postgresql://db:5432/app")
                .containsEntry("jdbc.user", "app")
                .containsEntry("jdbc.password", "secret")
                .containsEntry("warehouse", "file:/lake");
        assertThat(new CatalogSettings("jdbc", "inferfn", "u", "app", "secret", "file:/lake", null).toString())
                .doesNotContain("secret");
        assertThatThrownBy(() -> new CatalogSettings("hive", "inferfn", null, null, null, "file:/lake", null))
                .hasMessageContaining("inferfn.batch.iceberg.catalog must be jdbc or glue; got 'hive'");
    }
}
