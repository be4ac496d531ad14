package io.inferfn.quantize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TorchGraphs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Embedding tables int8, and verify on multi-input rows with vector outputs (JSON Lines, cosine). */
class EmbeddingQuantizeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 2000;
    private static final int DIM = 32;

    /** Token sequences of different lengths, as JSON Lines rows. */
    static List<String> sequences(int count, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = 2 + random.nextInt(20);
            long[] ids = new long[len];
            long[] mask = new long[len];
            for (int t = 0; t < len; t++) {
                ids[t] = random.nextInt(VOCAB);
                mask[t] = t < len - random.nextInt(2) ? 1 : 0; // some rows end in padding
            }
            try {
                lines.add(JSON.writeValueAsString(Map.of("input_ids", ids, "attention_mask", mask)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return lines;
    }

    static Samples samples(Path dir, int count) throws Exception {
        Path file = dir.resolve("rows.jsonl");
        Files.write(file, sequences(count, 7));
        return Samples.read(file);
    }

    @Test
    void theEmbeddingTableBecomesInt8WithAScalePerRowAndTheEncoderStaysClose(@TempDir Path dir) throws Exception {
        byte[] fp32 = TorchGraphs.textEncoder(VOCAB, DIM, 3);
        QuantizeResult result = Quantizer.quantize(fp32, QuantizeOptions.DYNAMIC);

        NodeReport gather = result.nodes().stream()
                .filter(n -> n.op().equals("Gather"))
                .findFirst()
                .orElseThrow();
        assertThat(gather.quantized()).isTrue();
        assertThat(gather.detail()).startsWith("weight-only int8 embedding table, per-row scales, 2000x32");
        List<TensorProto> initializers =
                ModelProto.parseFrom(result.model()).getGraph().getInitializerList();
        assertThat(initializers).noneMatch(t -> t.getName().equals("embeddings.word_embeddings.weight"));
        assertThat(initializers).anySatisfy(t -> {
            assertThat(t.getDataType()).isEqualTo(TensorProto.DataType.INT8.getNumber());
            assertThat(t.getDimsList()).containsExactly((long) VOCAB, (long) DIM);
        });
        // the table is most of the model: the file shrinks close to 4x
        assertThat((double) fp32.length / result.model().length).isGreaterThan(3.3);

        ModelVerifier.Report report = ModelVerifier.verify(fp32, result.model(), samples(dir, 40), -1, new int[] {1});
        assertThat(report.vector()).isTrue();
        assertThat(report.rows()).isEqualTo(40);
        assertThat(report.minCosine()).isGreaterThan(0.999).isLessThanOrEqualTo(1.0000001);
        assertThat(report.render()).contains("cosine        mean");
        assertThat(report.failures(ModelVerifier.Gate.defaults(true))).isEmpty();
    }

    @Test
    void embeddingTablesCanBeKeptFp32AndTinyTablesAlwaysAre() throws Exception {
        byte[] fp32 = TorchGraphs.textEncoder(VOCAB, DIM, 3);
        QuantizeOptions keep = new QuantizeOptions(QuantizeOptions.Mode.DYNAMIC, true, null, null, 0, null, false);
        QuantizeResult kept = Quantizer.quantize(fp32, keep);
        NodeReport gather = kept.nodes().stream()
                .filter(n -> n.op().equals("Gather"))
                .findFirst()
                .orElseThrow();
        assertThat(gather.quantized()).isFalse();
        assertThat(gather.detail()).contains("--keep-embeddings");
        assertThat(ModelProto.parseFrom(kept.model()).getGraph().getInitializerList())
                .anyMatch(t -> t.getName().equals("embeddings.word_embeddings.weight"));

        // a [10, 3] categorical embedding saves nothing worth its error
        QuantizeResult small = Quantizer.quantize(ConverterGraphs.embeddingModel(), QuantizeOptions.DYNAMIC);
        NodeReport tiny = small.nodes().stream()
                .filter(n -> n.op().equals("Gather"))
                .findFirst()
                .orElseThrow();
        assertThat(tiny.quantized()).isFalse();
        assertThat(tiny.detail()).contains("holds 30 values").contains("too small");
    }

    @Test
    void verifyNamesWhatAJsonLinesRowGetsWrong(@TempDir Path dir) throws Exception {
        byte[] fp32 = TorchGraphs.textEncoder(VOCAB, DIM, 3);
        Path missing = dir.resolve("missing.jsonl");
        Files.writeString(missing, "{\"input_ids\": [1, 2, 3]}\n");
        assertThatThrownBy(() -> ModelVerifier.verify(fp32, fp32, Samples.read(missing), -1, new int[0]))
                .isInstanceOf(QuantizeException.class)
                .hasMessageContaining("row 1")
                .hasMessageContaining("no value for input 'attention_mask'");

        Path unknown = dir.resolve("unknown.jsonl");
        Files.writeString(unknown, "{\"input_ids\": [1], \"attention_mask\": [1], \"token_type_ids\": [0]}\n");
        assertThatThrownBy(() -> ModelVerifier.verify(fp32, fp32, Samples.read(unknown), -1, new int[0]))
                .hasMessageContaining("'token_type_ids' is not an input of the model");

        Path rank = dir.resolve("rank.jsonl");
        Files.writeString(rank, "{\"input_ids\": [[1, 2]], \"attention_mask\": [1, 1]}\n");
        assertThatThrownBy(() -> ModelVerifier.verify(fp32, fp32, Samples.read(rank), -1, new int[0]))
                .hasMessageContaining("input 'input_ids' takes rank 2")
                .hasMessageContaining("give each row's value with rank 1, not 2");

        Path ragged = dir.resolve("ragged.jsonl");
        Files.writeString(ragged, "{\"input_ids\": [1, 2], \"attention_mask\": [1, 1]}\nnot json\n");
        assertThatThrownBy(() -> Samples.read(ragged)).hasMessageContaining("line 2: not JSON");

        Path floats = dir.resolve("floats.jsonl");
        Files.writeString(floats, "{\"input_ids\": [1.5], \"attention_mask\": [1]}\n");
        assertThatThrownBy(() -> ModelVerifier.verify(fp32, fp32, Samples.read(floats), -1, new int[0]))
                .hasMessageContaining("input 'input_ids' (INT64): expected an integer, got 1.5");

        assertThatThrownBy(() -> Samples.read(dir.resolve("rows.txt")))
                .hasMessageContaining("expected a .csv")
                .hasMessageContaining(".jsonl");
    }

    @Test
    void aCsvIsRefusedForAMultiInputModelPointingToJsonLines(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "a,b\n1,2\n");
        byte[] fp32 = TorchGraphs.textEncoder(VOCAB, DIM, 3);
        assertThatThrownBy(() -> ModelVerifier.verify(fp32, fp32, Samples.read(csv), -1, new int[0]))
                .hasMessageContaining("a CSV holds one float input")
                .hasMessageContaining("JSON Lines");
    }

    @Test
    void theSameModelComparedWithItselfIsExact(@TempDir Path dir) throws Exception {
        byte[] fp32 = TorchGraphs.textEncoder(VOCAB, DIM, 3);
        ModelVerifier.Report report = ModelVerifier.verify(fp32, fp32, samples(dir, 10), -1, new int[] {1, 4});
        assertThat(report.maxAbsDiff()).isZero();
        assertThat(report.minCosine()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(report.latencies()).extracting(ModelVerifier.Latency::batch).containsExactly(1, 4);
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }
}
