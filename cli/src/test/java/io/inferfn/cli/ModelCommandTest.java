package io.inferfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The `inferfn model` commands as a user (or a CI gate) runs them: exit codes and files. */
class ModelCommandTest {

    static final Path FP32 = Path.of("../models/fraud/1/model.onnx");
    static final Path INT8 = Path.of("../models/fraud/2/model.onnx");
    static final Path HOLDOUT = Path.of("../models/fraud/holdout.csv");

    static int run(String... args) {
        return new CommandLine(new Inferfn()).execute(args);
    }

    @Test
    void verifyPassesTheDemoModelAndFailsATighterGate() {
        String[] base = {
            "model",
            "verify",
            "--reference",
            FP32.toString(),
            "--candidate",
            INT8.toString(),
            "--data",
            HOLDOUT.toString()
        };
        assertThat(run(base)).isZero();
        String[] strict = java.util.Arrays.copyOf(base, base.length + 2);
        strict[base.length] = "--max-abs-diff";
        strict[base.length + 1] = "0.0001";
        assertThat(run(strict)).isEqualTo(ModelCommand.THRESHOLD_EXCEEDED);
        assertThat(run(
                        "model",
                        "verify",
                        "--reference",
                        FP32.toString(),
                        "--candidate",
                        INT8.toString(),
                        "--data",
                        "missing.csv"))
                .isEqualTo(ModelCommand.REFUSED);
    }

    @Test
    void quantizeWritesALoadableInt8ModelAndRefusesGarbageWithoutWriting() throws Exception {
        Path dir = Files.createTempDirectory("quantize");
        Path out = dir.resolve("model.onnx");
        assertThat(run(
                        "model",
                        "quantize",
                        "--in",
                        FP32.toString(),
                        "--out",
                        out.toString(),
                        "--static",
                        "--calibration",
                        HOLDOUT.toString()))
                .isZero();
        assertThat(run("model", "inspect", out.toString())).isZero();
        Path dynamic = dir.resolve("dynamic.onnx");
        assertThat(run("model", "quantize", "--in", FP32.toString(), "--out", dynamic.toString()))
                .isZero();
        assertThat(run(
                        "model",
                        "verify",
                        "--reference",
                        FP32.toString(),
                        "--candidate",
                        dynamic.toString(),
                        "--data",
                        HOLDOUT.toString()))
                .isZero();

        Path garbage = dir.resolve("garbage.onnx");
        Files.writeString(garbage, "not a model");
        Path refused = dir.resolve("refused.onnx");
        assertThat(run("model", "quantize", "--in", garbage.toString(), "--out", refused.toString()))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(refused).doesNotExist();
        assertThat(run("model", "quantize", "--in", FP32.toString(), "--out", refused.toString(), "--static"))
                .isEqualTo(ModelCommand.REFUSED);
    }

    @Test
    void staticOnAnOpset12ModelStepsBackToPerTensorUnlessPerChannelIsAskedFor() throws Exception {
        ai.onnx.proto.OnnxMl.ModelProto fraud = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(FP32));
        ai.onnx.proto.OnnxMl.ModelProto.Builder older = fraud.toBuilder().clearOpsetImport();
        for (ai.onnx.proto.OnnxMl.OperatorSetIdProto id : fraud.getOpsetImportList()) {
            older.addOpsetImport(
                    id.getDomain().isEmpty() ? id.toBuilder().setVersion(12).build() : id);
        }
        Path dir = Files.createTempDirectory("opset12");
        Path in = dir.resolve("fp32-opset12.onnx");
        Files.write(in, older.build().toByteArray());
        Path out = dir.resolve("int8.onnx");
        String[] quantize = {
            "model",
            "quantize",
            "--in",
            in.toString(),
            "--out",
            out.toString(),
            "--static",
            "--calibration",
            HOLDOUT.toString()
        };
        assertThat(run(quantize)).isZero();
        // one scale per weight tensor: every DequantizeLinear of a weight has a scalar scale
        ai.onnx.proto.OnnxMl.ModelProto int8 = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        java.util.Map<String, ai.onnx.proto.OnnxMl.TensorProto> inits = new java.util.HashMap<>();
        for (ai.onnx.proto.OnnxMl.TensorProto t : int8.getGraph().getInitializerList()) {
            inits.put(t.getName(), t);
        }
        long dequantized = int8.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("DequantizeLinear"))
                .filter(n -> inits.containsKey(n.getInput(0)))
                .peek(n -> assertThat(inits.get(n.getInput(1)).getDimsList())
                        .as("scale of %s", n.getInput(0))
                        .isEmpty())
                .count();
        assertThat(dequantized).isPositive();
        assertThat(run(
                        "model",
                        "verify",
                        "--reference",
                        in.toString(),
                        "--candidate",
                        out.toString(),
                        "--data",
                        HOLDOUT.toString()))
                .isZero();

        Path refused = dir.resolve("refused.onnx");
        String[] perChannel = java.util.Arrays.copyOf(quantize, quantize.length + 1);
        perChannel[4] = refused.toString();
        perChannel[quantize.length] = "--per-channel";
        assertThat(run(perChannel)).isEqualTo(ModelCommand.REFUSED);
        assertThat(refused).doesNotExist();
    }

    @Test
    void publishWritesNameAndVersionAndNeverOverwritesAVersion() throws Exception {
        Path registry = Files.createTempDirectory("registry");
        Path source = Files.createTempDirectory("source");
        Files.copy(INT8, source.resolve("model.onnx"));
        Files.copy(Path.of("../models/fraud/1/manifest.json"), source.resolve("manifest.json"));
        assertThat(run("model", "publish", "--model", source.toString(), "--to", "file:" + registry, "--version", "7"))
                .isZero();
        Path published = registry.resolve("fraud/7");
        assertThat(published.resolve("model.onnx")).hasSameBinaryContentAs(INT8);
        assertThat(Files.readString(published.resolve("manifest.json")))
                .contains("\"version\" : \"7\"")
                .contains("\"quantization\" : \"int8\"");
        // the same bytes again: unchanged; other bytes under the same version: refused
        assertThat(run("model", "publish", "--model", source.toString(), "--to", "file:" + registry, "--version", "7"))
                .isZero();
        Files.copy(FP32, source.resolve("model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(run("model", "publish", "--model", source.toString(), "--to", "file:" + registry, "--version", "7"))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(published.resolve("model.onnx")).hasSameBinaryContentAs(INT8);
    }

    @Test
    void publishWithAReferenceDataSetWritesTheHistogramOfTheModelsScoresOnIt() throws Exception {
        Path registry = Files.createTempDirectory("registry");
        Path source = Files.createTempDirectory("source");
        Files.copy(FP32, source.resolve("model.onnx"));
        Files.copy(Path.of("../models/fraud/1/manifest.json"), source.resolve("manifest.json"));
        Path holdout = Path.of("../models/fraud/holdout.csv");
        assertThat(run(
                        "model",
                        "publish",
                        "--model",
                        source.toString(),
                        "--to",
                        "file:" + registry,
                        "--reference",
                        holdout.toString()))
                .isZero();
        io.inferfn.model.ScoreReference reference = io.inferfn.model.ModelManifest.parse(
                        Files.readAllBytes(registry.resolve("fraud/1/manifest.json")), "published")
                .reference();
        assertThat(reference.rows()).isEqualTo(5000);
        assertThat(reference.fractions()).hasSize(10).allSatisfy(f -> assertThat(f)
                .isCloseTo(0.1, org.assertj.core.api.Assertions.within(0.001)));
        // the model's own scores on the rows fall in the bins in those shares: the edges are its deciles
        float[] scores = io.inferfn.quantize.ModelVerifier.score(
                Files.readAllBytes(FP32), io.inferfn.quantize.Dataset.readCsv(holdout), 0);
        long belowFirstInnerEdge = 0;
        for (float score : scores) {
            if (score < reference.edges().get(1)) {
                belowFirstInnerEdge++;
            }
        }
        assertThat(belowFirstInnerEdge)
                .isEqualTo(Math.round(reference.fractions().get(0) * 5000));

        // a data set that does not fit the model: refused, nothing published
        Path wrong = Files.createTempFile("wrong", ".csv");
        Files.writeString(wrong, "x0,x1\n1,2\n");
        assertThat(run(
                        "model",
                        "publish",
                        "--model",
                        source.toString(),
                        "--to",
                        "file:" + registry,
                        "--version",
                        "8",
                        "--reference",
                        wrong.toString()))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(registry.resolve("fraud/8")).doesNotExist();
    }

    @Test
    void inspectReportsTheQuantizationState() {
        assertThat(run("model", "inspect", INT8.toString())).isZero();
        assertThat(run("model", "inspect", "no-such.onnx")).isEqualTo(ModelCommand.REFUSED);
    }

    @Test
    void initWritesAStarterManifestThatLoadsAndPublishAcceptsIt() throws Exception {
        Path dir = Files.createTempDirectory("init").resolve("fraud-starter");
        assertThat(run("model", "init", FP32.toString(), "--out", dir.toString()))
                .isZero();
        String manifest = Files.readString(dir.resolve("manifest.json"));
        assertThat(manifest).contains("\"name\" : \"fraud-starter\"").contains("\"type\" : \"float32\"");
        assertThat(run("model", "init", FP32.toString(), "--out", dir.toString()))
                .isEqualTo(ModelCommand.REFUSED);
        Path registry = Files.createTempDirectory("registry");
        assertThat(run("model", "publish", "--model", dir.toString(), "--to", "file:" + registry))
                .isZero();
        assertThat(registry.resolve("fraud-starter").resolve("1").resolve("manifest.json"))
                .exists();
    }

    @Test
    void quantizeToATargetWritesAModelThatPassesVerifyOnTheSameGate() throws Exception {
        Path dir = Files.createTempDirectory("target");
        Path out = dir.resolve("model.onnx");
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = run(
                    "model",
                    "quantize",
                    "--in",
                    FP32.toString(),
                    "--out",
                    out.toString(),
                    "--target",
                    "max-abs-diff=0.01,auc-drop=0.002",
                    "--data",
                    HOLDOUT.toString());
        } finally {
            System.setOut(stdout);
        }
        assertThat(code).isZero();
        String report = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(report).contains("tried dynamic, per-channel, U8U8").contains("chose ");
        assertThat(run(
                        "model",
                        "verify",
                        "--reference",
                        FP32.toString(),
                        "--candidate",
                        out.toString(),
                        "--data",
                        HOLDOUT.toString(),
                        "--max-abs-diff",
                        "0.01",
                        "--max-auc-drop",
                        "0.002"))
                .isZero();

        // bad gates and missing data are refused before anything is written
        Path never = dir.resolve("never.onnx");
        assertThat(run(
                        "model",
                        "quantize",
                        "--in",
                        FP32.toString(),
                        "--out",
                        never.toString(),
                        "--target",
                        "max-abs-diff=0.01"))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(run(
                        "model",
                        "quantize",
                        "--in",
                        FP32.toString(),
                        "--out",
                        never.toString(),
                        "--target",
                        "cosine=0.9",
                        "--data",
                        HOLDOUT.toString()))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(run(
                        "model",
                        "quantize",
                        "--in",
                        FP32.toString(),
                        "--out",
                        never.toString(),
                        "--per-tensor",
                        "--per-channel"))
                .isEqualTo(ModelCommand.REFUSED);
        assertThat(never).doesNotExist();
    }

    @Test
    void verifyComparesATextEncoderOnJsonLinesByCosine() throws Exception {
        Path dir = Files.createTempDirectory("encoder");
        Path fp32 = dir.resolve("fp32.onnx");
        Files.write(fp32, io.inferfn.testing.TorchGraphs.textEncoder(2000, 32, 3));
        Path int8 = dir.resolve("int8.onnx");
        assertThat(run("model", "quantize", "--in", fp32.toString(), "--out", int8.toString()))
                .isZero();
        Path rows = dir.resolve("rows.jsonl");
        Files.writeString(
                rows,
                "{\"input_ids\": [101, 7, 1999, 102], \"attention_mask\": [1, 1, 1, 1]}\n"
                        + "{\"input_ids\": [101, 55, 102, 0, 0], \"attention_mask\": [1, 1, 1, 0, 0]}\n");
        String[] verify = {
            "model", "verify", "--reference", fp32.toString(), "--candidate", int8.toString(), "--data", rows.toString()
        };
        assertThat(run(verify)).isZero();
        String[] strict = java.util.Arrays.copyOf(verify, verify.length + 2);
        strict[verify.length] = "--min-cosine";
        strict[verify.length + 1] = "1.0";
        assertThat(run(strict)).isEqualTo(ModelCommand.THRESHOLD_EXCEEDED);
    }
}
