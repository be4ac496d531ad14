package io.inferfn.model.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.IntegrityException;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The s3:// model source against S3Proxy: an S3 API implementation running in this JVM over a
 * local filesystem blob store (not AWS; the requests, signing and errors are the S3 protocol's).
 */
class S3ModelSourceTest {

    static final Path FRAUD = Path.of("../../models/fraud/2");

    static S3Proxy proxy;
    static URI endpoint;
    static S3Client admin;

    @TempDir
    static Path blobs;

    @TempDir
    Path cache;

    @BeforeAll
    static void start() throws Exception {
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", blobs.toString());
        BlobStoreContext context =
                ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "inferfn-test", "inferfn-secret")
                .build();
        proxy.start();
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
            Thread.sleep(5);
        }
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        admin = client("inferfn-test", "inferfn-secret");
        admin.createBucket(b -> b.bucket("registry"));
        for (String file : new String[] {"manifest.json", "model.onnx"}) {
            admin.putObject(b -> b.bucket("registry").key("models/fraud/2/" + file), FRAUD.resolve(file));
        }
        System.setProperty("aws.accessKeyId", "inferfn-test");
        System.setProperty("aws.secretAccessKey", "inferfn-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        admin.close();
        proxy.stop();
    }

    static S3Client client(String key, String secret) {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                // S3Proxy does not implement the SDK's default request checksums (aws-chunked trailers)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret)))
                .build();
    }

    ModelRegistry registry() {
        // found through ServiceLoader, configured by key as a function's configuration does
        Map<String, String> settings = Map.of(
                "inferfn.model.s3.region",
                "eu-central-1",
                "inferfn.model.s3.endpoint",
                endpoint.toString(),
                "inferfn.model.s3.path-style",
                "true",
                "inferfn.model.s3.cache-dir",
                cache.toString());
        return ModelRegistry.standard(OnnxOptions.DEFAULTS, key -> Optional.ofNullable(settings.get(key)));
    }

    @Test
    void loadsAPublishedModelFromItsPrefixAndScoresLikeTheLocalCopy() throws Exception {
        try (LoadedModel fromS3 = registry().load("s3://registry/models/fraud/2/");
                LoadedModel local = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + FRAUD)) {
            assertThat(fromS3.name()).isEqualTo("fraud");
            assertThat(fromS3.version()).isEqualTo("2");
            assertThat(fromS3.manifest().sha256()).isEqualTo(local.manifest().sha256());
            Row row = Row.of("c-1", Map.of("amount", 99.0, "timestamp", 1_790_000_000L, "merchant_category", "fuel"));
            Scorer scorer = new Scorer(FeatureStore.EMPTY);
            assertThat(scorer.score(fromS3, row).score())
                    .isEqualTo(scorer.score(local, row).score());
        }
        // fetched into the cache directory (/tmp on Lambda), once per load
        assertThat(cache.resolve("registry/models/fraud/2/model.onnx"))
                .hasSameBinaryContentAs(FRAUD.resolve("model.onnx"));
    }

    @Test
    void aReplacedModelObjectFailsTheIntegrityCheck() throws Exception {
        admin.putObject(
                b -> b.bucket("registry").key("models/tampered/1/manifest.json"), FRAUD.resolve("manifest.json"));
        byte[] onnx = Files.readAllBytes(FRAUD.resolve("model.onnx"));
        onnx[onnx.length - 3] ^= 0x5a;
        admin.putObject(b -> b.bucket("registry").key("models/tampered/1/model.onnx"), RequestBody.fromBytes(onnx));

        assertThatThrownBy(() -> registry().load("s3://registry/models/tampered/1"))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("integrity check failed for s3://registry/models/tampered/1/model.onnx");
    }

    @Test
    void aMissingPrefixSaysWhatIsMissingAndWhere() {
        assertThatThrownBy(() -> registry().load("s3://registry/models/fraud/9/"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("manifest.json not found at s3://registry/models/fraud/9/manifest.json");
    }

    @Test
    void wrongCredentialsAreAnAccessDeniedThatNamesThePermission() {
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try {
            assertThatThrownBy(() -> registry().load("s3://registry/models/fraud/2/"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("access denied reading s3://registry/models/fraud/2/manifest.json")
                    .hasMessageContaining("s3:GetObject on arn:aws:s3:::registry/models/fraud/2/*");
        } finally {
            System.setProperty("aws.secretAccessKey", "inferfn-secret");
        }
    }
}
