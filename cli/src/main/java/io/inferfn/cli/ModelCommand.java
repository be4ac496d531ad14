package io.inferfn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.quantize.AccuracyTarget;
import io.inferfn.quantize.Dataset;
import io.inferfn.quantize.ManifestStarter;
import io.inferfn.quantize.ModelInspector;
import io.inferfn.quantize.ModelPublisher;
import io.inferfn.quantize.ModelVerifier;
import io.inferfn.quantize.NodeReport;
import io.inferfn.quantize.QuantizeException;
import io.inferfn.quantize.QuantizeOptions;
import io.inferfn.quantize.QuantizeResult;
import io.inferfn.quantize.Quantizer;
import io.inferfn.quantize.Samples;

/** {@code ./inferfn model ...}: quantize, verify, inspect and publish models with the serving toolchain. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Quantize, verify, inspect and publish ONNX models.",
        subcommands = {
            ModelCommand.Quantize.class,
            ModelCommand.Verify.class,
            ModelCommand.Inspect.class,
            ModelCommand.Init.class,
            ModelCommand.Publish.class
        })
final class ModelCommand implements Runnable {

    /** Exit code when a model is refused or an argument is wrong. */
    static final int REFUSED = 2;

    /** Exit code when verify finds a threshold exceeded. */
    static final int THRESHOLD_EXCEEDED = 1;

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    @Command(name = "quantize", mixinStandardHelpOptions = true, description = "fp32 ONNX -> int8 ONNX.")
    static final class Quantize implements Callable<Integer> {

        @Option(names = "--in", required = true, description = "fp32 model.onnx")
        Path in;

        @Option(names = "--out", required = true, description = "where to write the int8 model")
        Path out;

        @Option(
                names = "--per-channel",
                description = "one weight scale per output channel (the default, kept for scripts that say it)")
        boolean perChannel;

        @Option(
                names = "--per-tensor",
                description = "one weight scale per tensor instead of per output channel (measured less accurate on"
                        + " every demo model and on all-MiniLM-L6-v2: see the README)")
        boolean perTensor;

        @Option(
                names = "--keep-embeddings",
                description = "leave embedding tables (Gather from a constant table) fp32; by default they are int8"
                        + " with a scale per row")
        boolean keepEmbeddings;

        @Option(names = "--keep-fp32", split = ",", description = "nodes to leave fp32, by the names the report prints")
        List<String> keepFp32 = List.of();

        @Option(
                names = "--target",
                description = "quantize to keep a gate on --data: comma-separated max-abs-diff=X, auc-drop=X,"
                        + " min-cosine=X (e.g. max-abs-diff=0.03,auc-drop=0.005). Tries the schemes, keeps the fastest"
                        + " that passes, else keeps the most sensitive nodes fp32 until it passes")
        String target;

        @Option(
                names = "--data",
                description = "rows --target is checked on: CSV of one float input (a 'label' column gives AUC) or"
                        + " JSON Lines naming each input ({\"input_ids\": [...], ...})")
        Path data;

        @Option(
                names = "--reduce-range",
                description = "7-bit int8 weights (U8S8, ONNX Runtime's reduce_range) instead of the default"
                        + " 8-bit uint8 weights (U8U8). Both are exact on every CPU; full-range int8 is never"
                        + " written, because x86 CPUs without VNNI (AVX2 only, e.g. Lambda x86_64) add u8 x s8"
                        + " products in 16 bits and saturate. U8S8 kernels are faster, 7 bits less accurate.")
        boolean reduceRange;

        @Option(names = "--static", description = "static QDQ with calibrated activations (needs --calibration)")
        boolean staticMode;

        @Option(names = "--calibration", description = "CSV of model input rows for static calibration")
        Path calibration;

        @Option(
                names = "--method",
                description = "calibration: minmax or percentile (default: ${DEFAULT-VALUE})",
                defaultValue = "minmax")
        String method;

        @Option(
                names = "--percentile",
                description = "share of values kept with --method percentile (default: ${DEFAULT-VALUE})",
                defaultValue = "99.99")
        double percentile;

        /** {@code max-abs-diff=0.03,auc-drop=0.005,min-cosine=0.99} */
        static ModelVerifier.Gate gate(String spec) {
            double maxAbsDiff = Double.NaN;
            double aucDrop = Double.NaN;
            double minCosine = Double.NaN;
            for (String part : spec.split(",")) {
                String[] kv = part.trim().split("=", 2);
                double value;
                try {
                    value = kv.length == 2 ? Double.parseDouble(kv[1].trim()) : Double.NaN;
                } catch (NumberFormatException e) {
                    value = Double.NaN;
                }
                if (kv.length != 2 || !Double.isFinite(value) || value < 0) {
                    throw new QuantizeException(
                            "--target '" + part.trim() + "': expected name=number with max-abs-diff,"
                                    + " auc-drop or min-cosine, e.g. --target max-abs-diff=0.03,auc-drop=0.005");
                }
                switch (kv[0].trim()) {
                    case "max-abs-diff" -> maxAbsDiff = value;
                    case "auc-drop" -> aucDrop = value;
                    case "min-cosine" -> {
                        if (value > 1) {
                            throw new QuantizeException("--target min-cosine must be at most 1; got " + value);
                        }
                        minCosine = value;
                    }
                    default ->
                        throw new QuantizeException("--target: unknown measure '" + kv[0].trim()
                                + "'; expected max-abs-diff, auc-drop or min-cosine");
                }
            }
            return new ModelVerifier.Gate(maxAbsDiff, aucDrop, minCosine);
        }

        private QuantizeOptions.WeightFormat weights() {
            return reduceRange ? QuantizeOptions.WeightFormat.U8S8_REDUCED_RANGE : QuantizeOptions.WeightFormat.U8U8;
        }

        @Override
        public Integer call() {
            try {
                QuantizeOptions options;
                if (staticMode || calibration != null) {
                    if (calibration == null) {
                        throw new QuantizeException("--static needs --calibration data.csv");
                    }
                    QuantizeOptions.Calibration how =
                            switch (method) {
                                case "minmax" -> QuantizeOptions.Calibration.MINMAX;
                                case "percentile" -> QuantizeOptions.Calibration.PERCENTILE;
                                default ->
                                    throw new QuantizeException("--method must be minmax or percentile; got " + method);
                            };
                    options = new QuantizeOptions(
                            QuantizeOptions.Mode.STATIC,
                            true,
                            Dataset.readCsv(calibration).rows(),
                            how,
                            percentile,
                            weights());
                } else {
                    options = new QuantizeOptions(QuantizeOptions.Mode.DYNAMIC, true, null, null, 0, weights());
                }
                if (perTensor && perChannel) {
                    throw new QuantizeException("--per-tensor and --per-channel exclude each other");
                }
                byte[] fp32 = Files.readAllBytes(in);
                // per-channel static QDQ needs DequantizeLinear's axis (opset 13): the default steps back to per-tensor
                // for an older model and says so; only an explicit --per-channel is refused there
                boolean tensorScales = perTensor;
                if (options.mode() == QuantizeOptions.Mode.STATIC
                        && !perTensor
                        && !perChannel
                        && Quantizer.opset(fp32) < Quantizer.PER_CHANNEL_STATIC_OPSET) {
                    tensorScales = true;
                    System.err.println("opset " + Quantizer.opset(fp32) + ": static QDQ per tensor (per-channel needs"
                            + " opset " + Quantizer.PER_CHANNEL_STATIC_OPSET + "; re-export with opset 13 or newer for"
                            + " per-channel scales)");
                }
                if (tensorScales || keepEmbeddings || !keepFp32.isEmpty()) {
                    options = new QuantizeOptions(
                                    options.mode(),
                                    !tensorScales,
                                    options.calibration(),
                                    options.method(),
                                    options.percentile(),
                                    options.weights(),
                                    !keepEmbeddings)
                            .keeping(new java.util.LinkedHashSet<>(keepFp32));
                }
                QuantizeResult result;
                if (target != null) {
                    if (data == null) {
                        throw new QuantizeException("--target needs --data: the rows the gate is checked on");
                    }
                    AccuracyTarget.Outcome outcome = AccuracyTarget.quantize(
                            fp32, Samples.read(data), gate(target), options, line -> System.err.println(line));
                    System.out.print(outcome.render());
                    result = outcome.result();
                } else {
                    if (data != null) {
                        throw new QuantizeException("--data is read by --target (and --calibration by --static)");
                    }
                    result = Quantizer.quantize(fp32, options);
                }
                for (NodeReport node : result.nodes()) {
                    System.out.println(node);
                }
                Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".quantize-", ".onnx");
                Files.write(tmp, result.model());
                if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(
                            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                }
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                System.out.printf(
                        Locale.ROOT,
                        "%d of %d nodes quantized, %s; weights %,d -> %,d bytes (%.2fx smaller); file %,d -> %,d"
                                + " bytes; loaded by ONNX Runtime; written to %s%n",
                        result.quantizedNodes(),
                        result.nodes().size(),
                        result.weights().label(),
                        result.weightBytesBefore(),
                        result.weightBytesAfter(),
                        result.weightRatio(),
                        fp32.length,
                        result.model().length,
                        out);
                return 0;
            } catch (QuantizeException e) {
                System.err.println("not quantized: " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                System.err.println("cannot read or write: " + e.getMessage());
                return REFUSED;
            }
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description =
                    "Compare a candidate (int8) with a reference (fp32) on the same rows; exit 1 past a threshold.")
    static final class Verify implements Callable<Integer> {

        @Option(names = "--reference", required = true, description = "reference model.onnx (fp32)")
        Path reference;

        @Option(names = "--candidate", required = true, description = "candidate model.onnx (int8)")
        Path candidate;

        @Option(
                names = "--data",
                required = true,
                description = "rows to compare on: CSV of one float input (optional 'label' column) or JSON Lines"
                        + " naming each input, e.g. {\"input_ids\": [101, 7592, 102], \"attention_mask\": [1, 1, 1]}")
        Path data;

        @Option(
                names = "--max-abs-diff",
                description = "largest allowed |Δ score| (default: 0.03 for a score output; for a vector output"
                        + " unchecked unless given)")
        Double maxAbsDiff;

        @Option(
                names = "--max-auc-drop",
                description = "largest allowed AUC drop (default: ${DEFAULT-VALUE})",
                defaultValue = "0.005")
        double maxAucDrop;

        @Option(
                names = "--min-cosine",
                description = "smallest allowed cosine between a row's vectors, for vector outputs (embeddings;"
                        + " [batch, tokens, dim] is mean-pooled over the attention mask) (default: ${DEFAULT-VALUE})",
                defaultValue = "0.98")
        double minCosine;

        @Option(
                names = "--output-column",
                description = "score column of the first output (default: auto)",
                defaultValue = "-1")
        int outputColumn;

        @Override
        public Integer call() {
            try {
                Samples samples = Samples.read(data);
                ModelVerifier.Report report = ModelVerifier.verify(
                        Files.readAllBytes(reference),
                        Files.readAllBytes(candidate),
                        samples,
                        outputColumn,
                        samples.maxBatch() == 1 ? new int[] {1, 32} : ModelVerifier.BATCHES);
                System.out.print(report.render());
                double absDiff = maxAbsDiff != null ? maxAbsDiff : report.vector() ? Double.NaN : 0.03;
                List<String> failures = report.failures(
                        new ModelVerifier.Gate(absDiff, maxAucDrop, report.vector() ? minCosine : Double.NaN));
                if (failures.isEmpty()) {
                    System.out.println("PASS");
                    return 0;
                }
                failures.forEach(f -> System.out.println("FAIL " + f));
                return THRESHOLD_EXCEEDED;
            } catch (QuantizeException | IOException e) {
                System.err.println("cannot verify: " + e.getMessage());
                return REFUSED;
            }
        }
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description = "Opsets, inputs/outputs, ops, weights, quantization.")
    static final class Inspect implements Callable<Integer> {

        @Parameters(index = "0", description = "model.onnx")
        Path model;

        @Override
        public Integer call() {
            try {
                System.out.print(ModelInspector.inspect(Files.readAllBytes(model)));
                return 0;
            } catch (QuantizeException | IOException e) {
                System.err.println("cannot inspect " + model + ": " + e.getMessage());
                return REFUSED;
            }
        }
    }

    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description = "Write a starter manifest.json from the graph (inputs, outputs, types, shapes) beside a copy"
                    + " of model.onnx: it serves the model in /v2 tensor mode at once and is the starting point"
                    + " for features mode.")
    static final class Init implements Callable<Integer> {

        @Parameters(index = "0", description = "model.onnx")
        Path model;

        @Option(names = "--out", required = true, description = "directory to write model.onnx and manifest.json to")
        Path out;

        @Option(names = "--name", description = "the model's name (default: the output directory's name)")
        String name;

        @Option(names = "--force", description = "overwrite an existing manifest.json")
        boolean force;

        @Override
        public Integer call() {
            try {
                byte[] onnx = Files.readAllBytes(model);
                String modelName = name != null ? name : modelName(out);
                ModelManifest manifest = ManifestStarter.manifest(onnx, modelName);
                Path manifestFile = out.resolve(ModelRegistry.MANIFEST);
                if (Files.exists(manifestFile) && !force) {
                    System.err.println("not written: " + manifestFile + " exists (--force to overwrite)");
                    return REFUSED;
                }
                Files.createDirectories(out);
                Path target = out.resolve(ModelRegistry.MODEL);
                if (!Files.exists(target) || !Files.isSameFile(model, target)) {
                    Files.copy(model, target, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.write(manifestFile, manifest.toJson());
                // loaded as a function loads it: the starter is checked against the session before it is kept
                try (var loaded = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + out.toAbsolutePath())) {
                    System.out.printf(
                            "wrote %s for %s (%d input(s): %s; output %s read as %s)%n",
                            manifestFile,
                            loaded.name(),
                            manifest.inputs().size(),
                            manifest.inputs().stream()
                                    .map(i -> i.name() + " " + i.type() + " " + i.shape())
                                    .toList(),
                            manifest.output().tensor(),
                            manifest.output().outputKind().json());
                }
                return 0;
            } catch (IOException
                    | RuntimeException e) { // refused by the graph check (QuantizeException) or the load check
                System.err.println("cannot init " + model + ": " + e.getMessage());
                return REFUSED;
            }
        }

        static String modelName(Path dir) {
            Path last = dir.toAbsolutePath().normalize().getFileName();
            String n = (last == null ? "model" : last.toString())
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9._-]", "-");
            return n.isEmpty() || !Character.isLetterOrDigit(n.charAt(0)) ? "model" + n : n;
        }
    }

    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
            description = "Publish model.onnx + manifest.json as <registry>/<name>/<version>/ with its sha256.")
    static final class Publish implements Callable<Integer> {

        @Option(names = "--model", required = true, description = "directory with model.onnx and manifest.json")
        Path model;

        @Option(names = "--to", required = true, description = "registry, file:<dir>")
        String to;

        @Option(names = "--version", description = "publish as this version instead of the manifest's")
        String version;

        @Option(
                names = "--reference",
                description = "CSV of model input rows (as verify reads; a 'label' column is ignored) to score"
                        + " with the published model into the manifest's reference score histogram, which the"
                        + " functions' drift gauge (inferfn.model.score.psi) compares live scores with")
        Path reference;

        @Override
        public Integer call() {
            try {
                ModelPublisher.Published published = ModelPublisher.publish(model, to, version, reference);
                System.out.printf(
                        "%s %s %s (%s, sha256 %s) at %s%n",
                        published.unchanged() ? "already published, unchanged:" : "published",
                        published.manifest().name(),
                        published.manifest().version(),
                        published.manifest().quantization().json(),
                        published.manifest().sha256(),
                        published.directory());
                if (published.manifest().reference() != null) {
                    System.out.printf(
                            "reference score histogram: %d bins from %d rows%n",
                            published.manifest().reference().fractions().size(),
                            published.manifest().reference().rows());
                }
                return 0;
            } catch (QuantizeException e) {
                System.err.println("not published: " + e.getMessage());
                return REFUSED;
            }
        }
    }
}
