package io.inferfn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.inferfn.localstack.RedisHashes;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;

/**
 * What the benchmarks load from the checkout: the committed demo models and their data. The
 * checkout is the system property {@code home} ({@code ./inferfn bench jmh} passes it; JMH hands
 * the host JVM's options to its forks), else the current directory.
 */
final class Fixtures {

    private Fixtures() {}

    /** The inferfn checkout: the directory that holds {@code models/}. */
    static Path home() {
        Path home = Path.of(System.getProperty("home", ".")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(home.resolve("models/fraud/1/manifest.json"))) {
            throw new IllegalStateException("models/ not found under " + home
                    + ": run from the inferfn checkout or pass -Dhome=<checkout>"
                    + " (java -Dhome=/path/to/inferfn -jar bench/target/benchmarks.jar)");
        }
        return home;
    }

    /** A committed model directory such as {@code fraud/2}, loaded and verified as a function loads it. */
    static LoadedModel load(String model) {
        return ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:" + home().resolve("models").resolve(model));
    }

    /** The data rows of a committed CSV (header dropped), as text cells. */
    static List<String[]> csv(String file) {
        return RedisHashes.read(home().resolve("models").resolve(file)).rows();
    }
}
