package io.inferfn.model;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

import io.inferfn.features.FeaturePlan;
import io.inferfn.scoring.ScoreDrift;

/**
 * Loads published models: reads {@code manifest.json}, verifies the sha256 of {@code model.onnx}
 * <em>before</em> ONNX Runtime sees a byte of it, creates the session, and checks the manifest
 * against the session's own input/output metadata. Any failure is a {@link ModelLoadException}
 * naming the file, the expected and the actual value.
 */
public final class ModelRegistry {

    public static final String MANIFEST = "manifest.json";
    public static final String MODEL = "model.onnx";

    private final List<ModelSource> sources;
    private final OnnxOptions options;
    private final ScoreDrift.Window driftWindow;

    public ModelRegistry(List<ModelSource> sources, OnnxOptions options) {
        this(sources, options, ScoreDrift.Window.DEFAULT);
    }

    private ModelRegistry(List<ModelSource> sources, OnnxOptions options, ScoreDrift.Window driftWindow) {
        this.sources = List.copyOf(sources);
        this.options = options;
        this.driftWindow = driftWindow;
    }

    /** This registry, measuring the score drift of the models it loads over {@code window} (null: not measured). */
    public ModelRegistry withDriftWindow(ScoreDrift.Window window) {
        return new ModelRegistry(sources, options, window);
    }

    /** A registry for {@code file:} and {@code classpath:} locations. */
    public static ModelRegistry local(OnnxOptions options) {
        return new ModelRegistry(List.of(new FileModelSource(), new ClasspathModelSource()), options);
    }

    /**
     * A registry for {@code file:} and {@code classpath:} locations plus every scheme whose
     * {@link ModelSource.Provider} is on the classpath (S3 with {@code inferfn-s3}).
     *
     * @param settings the function's configuration by key, handed to each provider
     */
    public static ModelRegistry standard(OnnxOptions options, Function<String, Optional<String>> settings) {
        List<ModelSource> sources = new ArrayList<>(List.of(new FileModelSource(), new ClasspathModelSource()));
        for (ModelSource.Provider provider : ServiceLoader.load(ModelSource.Provider.class)) {
            sources.add(provider.create(settings));
        }
        return new ModelRegistry(sources, options);
    }

    /**
     * Loads and verifies the model directory at {@code location}, honouring the pins of its
     * fragment ({@link ModelLocation}): a pinned sha256 must match besides the manifest's.
     */
    public LoadedModel load(String location) {
        ModelLocation where = ModelLocation.parse(location);
        String dir = where.directory();
        ModelSource source = sourceFor(dir);
        String manifestName = source.describe(dir, MANIFEST);
        String modelName = source.describe(dir, MODEL)
                + where.version().map(v -> " (version " + v + ")").orElse("");
        long t0 = System.nanoTime();
        ModelManifest manifest = ModelManifest.parse(read(source, dir, MANIFEST, Optional.empty()), manifestName);
        long t1 = System.nanoTime();
        byte[] onnx = read(source, dir, MODEL, where.version());
        String actual = sha256(onnx);
        if (where.sha256().isPresent() && !actual.equals(where.sha256().get())) {
            throw new IntegrityException("integrity check failed for " + modelName + ": sha256 is " + actual
                    + " but the deployment pins " + where.sha256().get() + " (#sha256= in inferfn.model.locations)"
                    + "; the registry holds another model than the one this function was deployed with");
        }
        if (!actual.equals(manifest.sha256())) {
            throw new IntegrityException("integrity check failed for " + modelName + ": sha256 is " + actual
                    + " but " + manifestName + " expects " + manifest.sha256()
                    + "; the file is corrupt or was replaced without re-publishing the manifest");
        }
        if (manifest.text() != null) {
            return loadText(location, where, source, dir, manifest, manifestName, modelName, onnx, t0, t1);
        }
        long t2 = System.nanoTime();
        FeaturePlan plan = new FeaturePlan(manifest);
        OnnxModel session = OnnxModel.create(onnx, manifest, plan.inputWidths(), options, modelName);
        long t3 = System.nanoTime();
        return new LoadedModel(
                location,
                manifest,
                session,
                plan,
                onnx.length,
                new LoadedModel.LoadTimings((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6),
                manifest.reference() == null || driftWindow == null
                        ? null
                        : new ScoreDrift(manifest.reference(), driftWindow));
    }

    /**
     * A text model: its tokenizer file is verified against the manifest's {@code text.tokenizerSha256} as {@code
     * model.onnx} is against {@code sha256}, then loaded through the {@link TextTokenizer.Provider} on the classpath
     * (refused clearly when there is none) before the session is created. It has no feature plan.
     */
    private LoadedModel loadText(
            String location,
            ModelLocation where,
            ModelSource source,
            String dir,
            ModelManifest manifest,
            String manifestName,
            String modelName,
            byte[] onnx,
            long t0,
            long t1) {
        ModelManifest.TextSpec text = manifest.text();
        TextTokenizer.Provider provider = TextTokenizer.provider("model " + manifest.name() + " at " + location);
        String tokenizerName = source.describe(dir, text.tokenizer());
        byte[] tokenizerJson = read(source, dir, text.tokenizer(), where.version());
        String actual = sha256(tokenizerJson);
        if (!actual.equals(text.tokenizerSha256())) {
            throw new IntegrityException("integrity check failed for " + tokenizerName + ": sha256 is " + actual
                    + " but " + manifestName + " expects " + text.tokenizerSha256() + " (text.tokenizerSha256)"
                    + "; the file is corrupt or was replaced without re-publishing the manifest");
        }
        int maxLength = cappedMaxLength(text, tokenizerJson);
        long t2 = System.nanoTime();
        TextTokenizer tokenizer = provider.load(tokenizerJson, maxLength, text.truncates(), tokenizerName);
        OnnxModel session = OnnxModel.createText(onnx, manifest, options, modelName, tokenizer, maxLength);
        long t3 = System.nanoTime();
        return new LoadedModel(
                location,
                manifest,
                session,
                null,
                onnx.length,
                new LoadedModel.LoadTimings((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6),
                null);
    }

    /**
     * The manifest's {@code text.maxLength}, capped at the limit the tokenizer declares ({@code truncation.max_length}
     * of its {@code tokenizer.json}, the length the model was trained at) when it declares one.
     */
    static int cappedMaxLength(ModelManifest.TextSpec text, byte[] tokenizerJson) {
        int wanted = text.maxLengthOrDefault();
        try {
            com.fasterxml.jackson.databind.JsonNode limit = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(tokenizerJson)
                    .path("truncation")
                    .path("max_length");
            return limit.canConvertToInt() && limit.asInt() > 0 ? Math.min(wanted, limit.asInt()) : wanted;
        } catch (IOException e) {
            return wanted; // the tokenizer's own loader names what is wrong with the file
        }
    }

    private ModelSource sourceFor(String location) {
        for (ModelSource source : sources) {
            if (source.supports(location)) {
                return source;
            }
        }
        String scheme = location.contains(":") ? location.substring(0, location.indexOf(':')) : "";
        throw new ModelLoadException("unsupported model location '" + location
                + "'; expected file:<dir> or classpath:<dir>"
                + ("s3".equals(scheme)
                        ? "; s3:// locations need the inferfn-s3 module on the function's classpath"
                        : ""));
    }

    private static byte[] read(ModelSource source, String location, String file, Optional<String> version) {
        try {
            return version.isPresent() ? source.read(location, file, version.get()) : source.read(location, file);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + source.describe(location, file) + ": " + e.getMessage(), e);
        }
    }

    /** Lower-case hex sha256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
