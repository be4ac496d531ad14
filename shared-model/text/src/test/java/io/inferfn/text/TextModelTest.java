package io.inferfn.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.model.IntegrityException;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ManifestException;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.TextModel;
import io.inferfn.model.TextTokenizer;
import io.inferfn.models.MiniLmModelGenerator;
import io.inferfn.scoring.PayloadTooLargeException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The text demo model, all-MiniLM-L6-v2, served through the registry with the real tokenizer and ONNX Runtime. */
class TextModelTest {

    static final Path MODELS = Path.of("target/minilm");
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SENTENCES = List.of(
            "The cat sits on the mat.",
            "A feline is resting on a rug, looking out of the window at the birds in the garden.",
            "Stock markets fell sharply on Tuesday.",
            "Café déjà vu 😀",
            "短い文");

    static LoadedModel fp32;
    static LoadedModel int8;

    @BeforeAll
    static void load() throws IOException {
        MiniLmModelGenerator.write(MODELS, true);
        ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
        fp32 = registry.load("file:" + MODELS.resolve("1"));
        int8 = registry.load("file:" + MODELS.resolve("2"));
    }

    @AfterAll
    static void close() {
        fp32.close();
        int8.close();
    }

    @Test
    void servedEmbeddingsEqualADirectOrtRunOfTheSameTokenIdsMeanPooledAndNormalized() throws Exception {
        List<TextModel.Result> served = fp32.text().run(SENTENCES);
        List<TextTokenizer.Encoded> ids = fp32.text().tokenizer().encode(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] direct = direct(MODELS.resolve("1/model.onnx"), ids.get(i));
            assertThat(served.get(i).embedding()).hasSize(384);
            assertThat(cosine(served.get(i).embedding(), direct))
                    .as(SENTENCES.get(i))
                    .isGreaterThanOrEqualTo(0.9999);
            assertThat(norm(served.get(i).embedding())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void aTextsFp32EmbeddingInABatchPaddedToTheLongestIsTheOneItHasAlone() throws Exception {
        List<TextModel.Result> batch = fp32.text().run(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] alone = fp32.text().run(List.of(SENTENCES.get(i))).get(0).embedding();
            assertThat(cosine(batch.get(i).embedding(), alone))
                    .as(SENTENCES.get(i))
                    .isGreaterThanOrEqualTo(0.9999);
        }
        // the int8 model quantizes activations per call (dynamic), padding included: a batch moves a text a little
        List<TextModel.Result> int8Batch = int8.text().run(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] alone = int8.text().run(List.of(SENTENCES.get(i))).get(0).embedding();
            assertThat(cosine(int8Batch.get(i).embedding(), alone))
                    .as(SENTENCES.get(i))
                    .isGreaterThanOrEqualTo(0.98);
        }
    }

    @Test
    void int8EmbeddingsStayWithinCosine098OfFp32AndTheFileIsOver35TimesSmaller() throws Exception {
        List<TextModel.Result> reference = fp32.text().run(SENTENCES);
        List<TextModel.Result> quantized = int8.text().run(SENTENCES);
        for (int i = 0; i < SENTENCES.size(); i++) {
            assertThat(cosine(reference.get(i).embedding(), quantized.get(i).embedding()))
                    .as(SENTENCES.get(i))
                    .isGreaterThanOrEqualTo(0.98);
        }
        assertThat((double) fp32.modelBytes() / int8.modelBytes()).isGreaterThan(3.5);
    }

    @Test
    void similarSentencesAreCloserThanUnrelatedOnes() throws Exception {
        List<TextModel.Result> r = int8.text().run(SENTENCES.subList(0, 3));
        assertThat(cosine(r.get(0).embedding(), r.get(1).embedding()))
                .isGreaterThan(cosine(r.get(0).embedding(), r.get(2).embedding()) + 0.2);
    }

    @Test
    void aLongTextIsCutToTheTokenizersLimitAndSaysSo() throws Exception {
        String longText = "word ".repeat(1000);
        TextModel.Result r = int8.text().run(List.of(longText)).get(0);
        assertThat(int8.text().maxLength()).isEqualTo(128);
        assertThat(r.tokens()).isEqualTo(128);
        assertThat(r.truncated()).isTrue();
        assertThat(int8.text().run(List.of("short")).get(0).truncated()).isFalse();
    }

    @Test
    void withTruncationOffALongTextIsRefusedWith413NamingItsLengthAndTheLimit(@TempDir Path dir) throws Exception {
        Path model = copyWithText(dir, text -> text.put("truncation", false).put("maxLength", 16));
        try (LoadedModel strict = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model)) {
            assertThat(strict.text().run(List.of("a short one")).get(0).embedding())
                    .hasSize(384);
            assertThatThrownBy(() -> strict.text().run(List.of("ok", "one two three ".repeat(10))))
                    .isInstanceOf(PayloadTooLargeException.class)
                    .hasMessageContaining("texts[1] is 32 tokens")
                    .hasMessageContaining("takes at most 16")
                    .hasMessageContaining("text.truncation false");
        }
    }

    @Test
    void aMaxLengthOverTheTokenizersLimitIsCappedAtIt(@TempDir Path dir) throws Exception {
        Path model = copyWithText(dir, text -> text.put("maxLength", 512));
        try (LoadedModel capped = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model)) {
            assertThat(capped.text().maxLength()).isEqualTo(128);
        }
    }

    @Test
    void tokenIdsOfTrickyStringsEqualTheIndependentReferenceTokenizers() throws Exception {
        JsonNode reference;
        try (InputStream in = getClass().getResourceAsStream("/tokenizer-reference.json")) {
            reference = JSON.readTree(in);
        }
        byte[] tokenizerJson = Files.readAllBytes(MODELS.resolve("1/tokenizer.json"));
        assertThat(ModelRegistry.sha256(tokenizerJson))
                .isEqualTo(reference.path("tokenizerSha256").asText());
        List<String> texts = new ArrayList<>();
        List<long[]> expected = new ArrayList<>();
        for (JsonNode c : reference.path("cases")) {
            texts.add(c.path("text").asText());
            expected.add(JSON.treeToValue(c.path("ids"), long[].class));
        }
        try (TextTokenizer whole = new HuggingFaceTokenizers().load(tokenizerJson, 100_000, false, "tokenizer.json")) {
            List<TextTokenizer.Encoded> encoded = whole.encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(encoded.get(i).ids()).as(texts.get(i)).containsExactly(expected.get(i));
            }
        }
        // the served tokenizer cuts the long one to 127 tokens and its [SEP]
        long[] longest = expected.get(expected.size() - 1);
        assertThat(longest.length).isGreaterThan(1000);
        long[] cut = int8.text()
                .tokenizer()
                .encode(List.of(texts.get(texts.size() - 1)))
                .get(0)
                .ids();
        assertThat(cut).hasSize(128);
        assertThat(java.util.Arrays.copyOf(cut, 127)).containsExactly(java.util.Arrays.copyOf(longest, 127));
        assertThat(cut[127]).isEqualTo(longest[longest.length - 1]);
    }

    @Test
    void oneTokenizerServesManyThreadsAtOnceWithTheSameIds() throws Exception {
        TextTokenizer tokenizer = int8.text().tokenizer();
        List<TextTokenizer.Encoded> expected = tokenizer.encode(SENTENCES);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        List<TextTokenizer.Encoded> got = i % 2 == 0
                                ? tokenizer.encode(SENTENCES)
                                : List.of(tokenizer
                                        .encode(List.of(SENTENCES.get(i % SENTENCES.size())))
                                        .get(0));
                        for (int k = 0; k < got.size(); k++) {
                            int which = i % 2 == 0 ? k : i % SENTENCES.size();
                            if (!java.util.Arrays.equals(
                                    got.get(k).ids(), expected.get(which).ids())) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> run : runs) {
                assertThat(run.get()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aReplacedTokenizerFailsTheIntegrityCheckNamingTheFile(@TempDir Path dir) throws Exception {
        Path model = copyWithText(dir, text -> {});
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("text.tokenizerSha256");
    }

    @Test
    void anOutputTheModelDoesNotHaveFailsTheLoadNamingIt(@TempDir Path dir) throws Exception {
        Path model = copyWith(dir, manifest -> ((ObjectNode) manifest.path("output")).put("tensor", "pooled"));
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("output tensor 'pooled' does not exist")
                .hasMessageContaining("last_hidden_state");
    }

    @Test
    void aTextModelWithFeaturesIsRefusedNamingWhereItsInputsComeFrom(@TempDir Path dir) throws Exception {
        Path model = copyWith(dir, manifest -> manifest.putArray("features")
                .addObject()
                .put("name", "x")
                .put("source", "request")
                .put("type", "number"));
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("a text model takes no 'inputs' or 'features'");
    }

    @Test
    void anUnknownPoolingIsRefusedNamingTheChoices(@TempDir Path dir) throws Exception {
        Path model = copyWithText(dir, text -> text.put("pooling", "max"));
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("pooling must be mean or cls; got 'max'");
    }

    @Test
    void clsPoolingTakesTheFirstTokensVector(@TempDir Path dir) throws Exception {
        Path model = copyWithText(dir, text -> text.put("pooling", "cls"));
        try (LoadedModel cls = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model)) {
            String sentence = SENTENCES.get(1);
            float[] served = cls.text().run(List.of(sentence)).get(0).embedding();
            float[] direct = direct(
                    model.resolve("model.onnx"),
                    cls.text().tokenizer().encode(List.of(sentence)).get(0),
                    true);
            assertThat(cosine(served, direct)).isGreaterThanOrEqualTo(0.9999);
            float[] mean = int8.text().run(List.of(sentence)).get(0).embedding();
            assertThat(cosine(served, mean)).isLessThan(0.99); // not the mean by another name
        }
    }

    static final String CLASSIFIER =
            """
            {"name": "topic", "version": "1", "sha256": "%s", "quantization": "fp32",
             "output": {"kind": "multiclass", "tensor": "logits", "labels": %s},
             "text": {"tokenizer": "tokenizer.json", "tokenizerSha256": "%s", "maxLength": 64}}""";

    static Path classifier(Path dir, String labels) throws IOException {
        byte[] onnx = io.inferfn.testing.TorchGraphs.textClassifier(30522, 8, 3, 7);
        byte[] tokenizer = Files.readAllBytes(MODELS.resolve("1/tokenizer.json"));
        Files.write(dir.resolve("model.onnx"), onnx);
        Files.write(dir.resolve("tokenizer.json"), tokenizer);
        Files.writeString(
                dir.resolve("manifest.json"),
                CLASSIFIER.formatted(ModelRegistry.sha256(onnx), labels, ModelRegistry.sha256(tokenizer)));
        return dir;
    }

    @Test
    void aClassificationHeadAnswersTheSoftmaxOfItsLogitsAndTheMostProbableLabel(@TempDir Path dir) throws Exception {
        Path model = classifier(dir, "[\"sports\", \"politics\", \"science\"]");
        try (LoadedModel topic = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model);
                OrtSession session = OnnxModel.environment()
                        .createSession(model.resolve("model.onnx").toString())) {
            List<TextModel.Result> results = topic.text().run(SENTENCES);
            List<TextTokenizer.Encoded> ids = topic.text().tokenizer().encode(SENTENCES);
            for (int i = 0; i < SENTENCES.size(); i++) {
                TextModel.Result r = results.get(i);
                assertThat(r.embedding()).isNull();
                float[] logits = logits(session, ids.get(i));
                double sum = 0;
                for (float l : logits) {
                    sum += Math.exp(l);
                }
                List<String> labels = List.of("sports", "politics", "science");
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    assertThat(r.probabilities().get(labels.get(c)))
                            .isCloseTo((float) (Math.exp(logits[c]) / sum), org.assertj.core.data.Offset.offset(1e-5f));
                    best = logits[c] > logits[best] ? c : best;
                }
                assertThat(r.label()).isEqualTo(labels.get(best));
            }
        }
    }

    @Test
    void aClassifierWhoseLabelsDoNotMatchItsClassesFailsTheLoadNamingBoth(@TempDir Path dir) throws Exception {
        Path model = classifier(dir, "[\"yes\", \"no\"]");
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("output 'logits' has 3 classes; the labels name 2: [yes, no]");
    }

    /** One text's logits straight from the session. */
    static float[] logits(OrtSession session, TextTokenizer.Encoded e) throws Exception {
        OrtEnvironment env = OnnxModel.environment();
        long[] shape = {1, e.ids().length};
        long[] ones = new long[e.ids().length];
        java.util.Arrays.fill(ones, 1L);
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(e.ids()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
                OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask))) {
            return ((float[][]) r.get("logits").get().getValue())[0];
        }
    }

    static float[] direct(Path onnx, TextTokenizer.Encoded e) throws Exception {
        return direct(onnx, e, false);
    }

    /**
     * One text through the session directly: its ids, an all-ones mask, the mean over tokens (or the first token's
     * vector), L2-normalized.
     */
    static float[] direct(Path onnx, TextTokenizer.Encoded e, boolean cls) throws Exception {
        OrtEnvironment env = OnnxModel.environment();
        int n = e.ids().length;
        long[] shape = {1, n};
        long[] ones = new long[n];
        java.util.Arrays.fill(ones, 1L);
        try (OrtSession session = env.createSession(onnx.toString());
                OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(e.ids()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(e.typeIds()), shape)) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            feed.put("input_ids", ids);
            feed.put("attention_mask", mask);
            if (session.getInputNames().contains("token_type_ids")) {
                feed.put("token_type_ids", types);
            }
            try (OrtSession.Result r = session.run(feed)) {
                float[][][] hidden =
                        (float[][][]) r.get("last_hidden_state").get().getValue();
                float[] v = new float[hidden[0][0].length];
                for (float[] token : cls ? new float[][] {hidden[0][0]} : hidden[0]) {
                    for (int h = 0; h < v.length; h++) {
                        v[h] += token[h] / (cls ? 1 : n);
                    }
                }
                double norm = norm(v);
                for (int h = 0; h < v.length; h++) {
                    v[h] /= (float) norm;
                }
                return v;
            }
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** The int8 demo model in {@code dir}, its manifest's text section changed by {@code edit}. */
    static Path copyWithText(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        return copyWith(dir, manifest -> edit.accept((ObjectNode) manifest.path("text")));
    }

    static Path copyWith(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path source = MODELS.resolve("2");
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(source.resolve(file), dir.resolve(file));
        }
        ObjectNode manifest =
                (ObjectNode) JSON.readTree(source.resolve("manifest.json").toFile());
        edit.accept(manifest);
        JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
        return dir;
    }
}
