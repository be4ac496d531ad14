package io.inferfn.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A configured model location, split into the model directory and what the deployment pins about
 * it. {@code s3://registry/models/fraud/2/#sha256=<64 hex>&version=<S3 version id>}: the fragment
 * pins the sha256 of {@code model.onnx} (checked besides the manifest's own, so whoever can
 * rewrite both files in the registry still cannot swap the model a function was deployed with)
 * and, for S3, the object version of {@code model.onnx} to fetch.
 *
 * @param directory the model directory, without the fragment
 * @param sha256 the pinned sha256 of {@code model.onnx}, lower-case hex
 * @param version the pinned object version of {@code model.onnx} (sources that keep versions)
 */
public record ModelLocation(String directory, Optional<String> sha256, Optional<String> version) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * Parses {@code location}.
     *
     * @throws ModelLoadException for an unknown pin or a sha256 that is not 64 hex digits
     */
    public static ModelLocation parse(String location) {
        int hash = location.indexOf('#');
        if (hash < 0) {
            return new ModelLocation(location, Optional.empty(), Optional.empty());
        }
        Optional<String> sha256 = Optional.empty();
        Optional<String> version = Optional.empty();
        for (String pin : location.substring(hash + 1).split("&")) {
            int eq = pin.indexOf('=');
            String key = eq < 0 ? pin : pin.substring(0, eq);
            String value = eq < 0 ? "" : pin.substring(eq + 1);
            switch (key) {
                case "sha256" -> {
                    String hex = value.toLowerCase(java.util.Locale.ROOT);
                    if (!SHA256.matcher(hex).matches()) {
                        throw new ModelLoadException(
                                "model location '" + location + "' pins sha256=" + value
                                        + "; expected the 64 hex digits of model.onnx's sha256 (inferfn model inspect prints it)");
                    }
                    sha256 = Optional.of(hex);
                }
                case "version" -> {
                    if (value.isEmpty()) {
                        throw new ModelLoadException("model location '" + location
                                + "' pins an empty version; expected version=<object version id>");
                    }
                    version = Optional.of(value);
                }
                default ->
                    throw new ModelLoadException("model location '" + location + "' has an unknown pin '" + pin
                            + "'; expected #sha256=<hex> and optionally &version=<object version id>");
            }
        }
        return new ModelLocation(location.substring(0, hash), sha256, version);
    }
}
