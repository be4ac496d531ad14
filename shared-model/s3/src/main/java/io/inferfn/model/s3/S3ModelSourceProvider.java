package io.inferfn.model.s3;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelSource;

/**
 * Plugs {@code s3://} locations into the registry. Settings, each optional:
 *
 * <ul>
 *   <li>{@code inferfn.model.s3.region}: the bucket's region; unset: {@code AWS_REGION} (always set on Lambda);
 *   <li>{@code inferfn.model.s3.endpoint}: another S3 API (a VPC endpoint, MinIO, S3Proxy); unset: AWS;
 *   <li>{@code inferfn.model.s3.path-style}: {@code true} for path-style requests, which most non-AWS S3 APIs need;
 *   <li>{@code inferfn.model.s3.cache-dir}: where fetched files are written; default
 *       {@code java.io.tmpdir/inferfn-models} ({@code /tmp} is Lambda's writable directory).
 * </ul>
 */
public final class S3ModelSourceProvider implements ModelSource.Provider {

    static final String PREFIX = "inferfn.model.s3.";

    @Override
    public ModelSource create(Function<String, Optional<String>> settings) {
        Optional<URI> endpoint = settings.apply(PREFIX + "endpoint").map(value -> {
            try {
                return URI.create(value);
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(
                        PREFIX + "endpoint '" + value + "' is not a URI; expected e.g. http://127.0.0.1:9000");
            }
        });
        String pathStyle = settings.apply(PREFIX + "path-style").orElse("false");
        if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
            throw new ModelLoadException(PREFIX + "path-style must be true or false; got '" + pathStyle + "'");
        }
        Path cacheDir = settings.apply(PREFIX + "cache-dir")
                .map(Path::of)
                .orElse(S3ModelSource.Settings.defaults().cacheDir());
        return new S3ModelSource(new S3ModelSource.Settings(
                settings.apply(PREFIX + "region"), endpoint, Boolean.parseBoolean(pathStyle), cacheDir));
    }
}
