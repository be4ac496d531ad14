package io.inferfn.model.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelSource;

/**
 * {@code s3://bucket/prefix/}: a model directory in S3 (the model registry), read with the AWS SDK
 * v2 and the function's own credentials (the Lambda role). Each file is fetched once per cold
 * start into a local directory ({@code /tmp} on Lambda), S3's stored checksum validated on AWS; the
 * registry then verifies the sha256 the manifest pins, exactly as for {@code file:}.
 */
public final class S3ModelSource implements ModelSource {

    /**
     * @param region the bucket's region; empty: {@code AWS_REGION} (set on Lambda)
     * @param endpoint another S3 API (MinIO, S3Proxy, a VPC endpoint); empty: AWS
     * @param pathStyle path-style requests ({@code endpoint/bucket/key}), which most non-AWS S3 APIs need
     * @param cacheDir where fetched files are written
     */
    public record Settings(Optional<String> region, Optional<URI> endpoint, boolean pathStyle, Path cacheDir) {

        public static Settings defaults() {
            return new Settings(
                    Optional.empty(),
                    Optional.empty(),
                    false,
                    Path.of(System.getProperty("java.io.tmpdir"), "inferfn-models"));
        }
    }

    private final Settings settings;
    private S3Client client;

    public S3ModelSource(Settings settings) {
        this.settings = settings;
    }

    @Override
    public boolean supports(String location) {
        return location.startsWith("s3://");
    }

    @Override
    public byte[] read(String location, String fileName) throws IOException {
        return read(location, fileName, (String) null);
    }

    /** Reads {@code version} of the file (S3 versioning); {@code null}: the current object. */
    @Override
    public byte[] read(String location, String fileName, String version) throws IOException {
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new ModelLoadException(
                    "model location '" + location + "' names no bucket; expected s3://bucket/prefix/");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        String key = prefix + fileName;
        Path target = settings.cacheDir().resolve(bucket).resolve(key);
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        try {
            // on AWS the SDK asks for and validates S3's stored checksum (responseChecksumValidation)
            client().getObject(
                            GetObjectRequest.builder()
                                    .bucket(bucket)
                                    .key(key)
                                    .versionId(version)
                                    .build(),
                            ResponseTransformer.toFile(target));
        } catch (S3Exception e) {
            String where = "s3://" + bucket + "/" + key + (version == null ? "" : " (version " + version + ")");
            if (e.statusCode() == 404) {
                throw new ModelLoadException(fileName + " not found at " + where
                        + "; a model prefix holds manifest.json and model.onnx (publish the model there first)");
            }
            if (e.statusCode() == 403) {
                throw new ModelLoadException("access denied reading " + where + "; the function's role needs"
                        + " s3:GetObject on arn:aws:s3:::" + bucket + "/" + prefix + "* (and kms:Decrypt on the"
                        + " bucket's key when it uses SSE-KMS)");
            }
            throw new ModelLoadException(
                    "S3 refused " + where + " (HTTP " + e.statusCode() + "): "
                            + e.awsErrorDetails().errorMessage(),
                    e);
        } catch (SdkClientException e) {
            throw new ModelLoadException(
                    "cannot read s3://" + bucket + "/" + key + ": " + e.getMessage()
                            + " (network, credentials or region; set AWS_REGION or inferfn.model.s3.region)",
                    e);
        }
        return Files.readAllBytes(target);
    }

    /** Built on first use, so functions whose models are not in S3 never pay for the SDK. */
    private synchronized S3Client client() {
        if (client == null) {
            S3ClientBuilder builder = S3Client.builder()
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .forcePathStyle(settings.pathStyle());
            settings.region()
                    .or(() -> Optional.ofNullable(System.getenv("AWS_REGION")))
                    .map(Region::of)
                    .ifPresent(builder::region);
            if (settings.region().isEmpty()
                    && System.getenv("AWS_REGION") == null
                    && settings.endpoint().isPresent()) {
                builder.region(Region.US_EAST_1); // signing needs one; S3-compatible endpoints ignore it
            }
            settings.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint)
                    // S3-compatible APIs (MinIO, S3Proxy) often lack the newest flexible checksums; the
                    // manifest's sha256, verified after the fetch, guards the bytes either way
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
            client = builder.build();
        }
        return client;
    }
}
