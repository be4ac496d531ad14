package io.inferfn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.inferfn.model.FileModelSource;
import io.inferfn.model.IntegrityException;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelLocation;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.ModelSource;
import io.inferfn.model.OnnxOptions;

/**
 * A published model's two files, read once on the driver and shipped to the executors in one broadcast. An executor
 * checks the bytes it received against the sha256 the driver computed before ONNX Runtime sees them, and keeps one
 * session per JVM for all its tasks ({@link #load}), whichever job or stage asks.
 *
 * <p>The bytes are hashed once per deserialized copy (Spark deserializes a broadcast once per executor), so a copy that
 * differs from the driver's is refused even when this JVM already holds a session for the driver's model.
 */
public final class ModelShipment implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final String SCHEME = "broadcast:";

    private final String location;
    private final byte[] manifest;
    private final byte[] onnx;
    private final String sha256;
    private transient volatile boolean verified;

    /**
     * @param location where the driver read the model, for messages
     * @param manifest {@code manifest.json}
     * @param onnx {@code model.onnx}
     * @param sha256 the sha256 of {@code onnx} as the driver read it (the registry verifies it against the manifest)
     */
    public ModelShipment(String location, byte[] manifest, byte[] onnx, String sha256) {
        this.location = location;
        this.manifest = manifest;
        this.onnx = onnx;
        this.sha256 = sha256;
    }

    public String location() {
        return location;
    }

    public byte[] manifest() {
        return manifest;
    }

    public byte[] onnx() {
        return onnx;
    }

    public String sha256() {
        return sha256;
    }

    /** One session per executor JVM, by the model's sha256 and its manifest's. */
    private static final Map<String, LoadedModel> SESSIONS = new ConcurrentHashMap<>();

    /**
     * Reads the model directory at {@code location} ({@code file:}, a plain path, or {@code s3://} with the S3
     * source packaged), honouring a {@code #sha256=} pin, and loads it once here: a model the registry refuses (a
     * corrupt or replaced {@code model.onnx}, a manifest that does not match the session) fails the job before any
     * executor starts.
     *
     * @param settings configuration by key for location schemes (S3 region, endpoint), e.g. from Spark conf
     */
    public static ModelShipment read(String location, Function<String, Optional<String>> settings) {
        String normalized = location.contains(":") ? location : "file:" + location;
        ModelLocation where = ModelLocation.parse(normalized);
        ModelSource source = sourceFor(where.directory(), settings);
        byte[] manifest = read(source, where, ModelRegistry.MANIFEST);
        byte[] onnx = read(source, where, ModelRegistry.MODEL);
        ModelShipment shipment = new ModelShipment(normalized, manifest, onnx, ModelRegistry.sha256(onnx));
        // the registry's checks (the pin, the manifest's sha256, the session's metadata), on the driver first
        where.sha256().ifPresent(pin -> {
            if (!pin.equals(shipment.sha256())) {
                throw new IntegrityException(
                        "integrity check failed for " + source.describe(where.directory(), "model.onnx")
                                + ": sha256 is " + shipment.sha256() + " but --model pins " + pin
                                + "; the registry holds another model than the one this job was given");
            }
        });
        shipment.load();
        return shipment;
    }

    /**
     * This model's session in this JVM, loaded on first use: the bytes must hash to the driver's {@link #sha256},
     * then the registry verifies them against the manifest and the session's metadata, as every function does.
     *
     * @throws IntegrityException when the bytes received are not those the driver read
     */
    public LoadedModel load() {
        if (!verified) {
            String actual = ModelRegistry.sha256(onnx);
            if (!actual.equals(sha256)) {
                throw new IntegrityException("integrity check failed for " + location
                        + " as shipped to this executor: model.onnx hashes to " + actual + " but the driver read "
                        + sha256 + "; refusing to score with a model other than the driver's");
            }
            verified = true;
        }
        String key = sha256 + "/" + ModelRegistry.sha256(manifest);
        LoadedModel loaded = SESSIONS.get(key);
        if (loaded != null) {
            return loaded;
        }
        synchronized (SESSIONS) {
            return SESSIONS.computeIfAbsent(key, k -> verifiedLoad());
        }
    }

    /** The registry's own checks (the pinned sha256, the manifest's, the session's metadata) on the bytes received. */
    private LoadedModel verifiedLoad() {
        ModelSource shipped = new ModelSource() {
            @Override
            public boolean supports(String where) {
                return where.startsWith(SCHEME);
            }

            @Override
            public byte[] read(String where, String fileName) {
                return ModelRegistry.MANIFEST.equals(fileName) ? manifest : onnx;
            }

            @Override
            public String describe(String where, String fileName) {
                return location + "/" + fileName;
            }
        };
        LoadedModel model =
                new ModelRegistry(List.of(shipped), OnnxOptions.DEFAULTS).load(SCHEME + sha256 + "#sha256=" + sha256);
        if (model.readsModels()) {
            model.close();
            throw new ModelLoadException(location + " reads other models' outputs (a chain); the Spark job scores"
                    + " models that read none: score the chain with batch-score, or each stage with this job");
        }
        return model;
    }

    private static ModelSource sourceFor(String directory, Function<String, Optional<String>> settings) {
        List<ModelSource> sources = new ArrayList<>(List.of(new FileModelSource()));
        for (ModelSource.Provider provider : ServiceLoader.load(ModelSource.Provider.class)) {
            sources.add(provider.create(settings));
        }
        for (ModelSource source : sources) {
            if (source.supports(directory)) {
                return source;
            }
        }
        throw new ModelLoadException("unsupported model location '" + directory
                + "'; expected a directory path, file:<dir> or s3://<bucket>/<prefix>");
    }

    private static byte[] read(ModelSource source, ModelLocation where, String file) {
        try {
            return ModelRegistry.MODEL.equals(file) && where.version().isPresent()
                    ? source.read(where.directory(), file, where.version().get())
                    : source.read(where.directory(), file);
        } catch (IOException e) {
            throw new ModelLoadException(
                    "cannot read " + source.describe(where.directory(), file) + ": " + e.getMessage(), e);
        }
    }
}
