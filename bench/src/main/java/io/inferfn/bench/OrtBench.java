package io.inferfn.bench;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ai.onnxruntime.OrtException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.OnnxModel;

/**
 * Measures one ONNX Runtime call of the fraud model, fp32 ({@code fraud/1}) against int8
 * ({@code fraud/2}), at 1 to 1,024 rows, through the {@link OnnxModel.Run} API the Scorer uses,
 * because ORT is the floor under every prediction and the batch size decides what a row costs.
 *
 * <p>Inputs are rows of the model's {@code holdout.csv} (already assembled feature vectors), a
 * different slice each call. The score is time per call; per row is the score divided by
 * {@code batch} ({@code ./inferfn bench jmh} prints both).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OrtBench {

    /** fp32: the reference model {@code fraud/1}; int8: the served, quantized {@code fraud/2}. */
    @Param({"fp32", "int8"})
    public String precision;

    @Param({"1", "16", "256", "1024"})
    public int batch;

    private LoadedModel model;
    private OnnxModel onnx;
    private float[] rows;
    private int width;
    private int count;
    private int next;

    @Setup
    public void setUp() {
        model = Fixtures.load(precision.equals("fp32") ? "fraud/1" : "fraud/2");
        onnx = model.onnx();
        width = onnx.width();
        List<String[]> holdout = Fixtures.csv("fraud/holdout.csv");
        count = holdout.size();
        rows = new float[count * width];
        for (int r = 0; r < count; r++) {
            String[] cells = holdout.get(r);
            for (int j = 0; j < width; j++) {
                rows[r * width + j] = Float.parseFloat(cells[j]);
            }
        }
        if (count < batch) {
            throw new IllegalStateException("holdout.csv has " + count + " rows; batch " + batch + " needs more");
        }
    }

    @TearDown
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public float run() throws OrtException {
        if (next + batch > count) {
            next = 0;
        }
        try (OnnxModel.Run run = onnx.begin(batch)) {
            FloatBuffer in = run.input();
            in.put(rows, next * width, batch * width);
            next += batch;
            FloatBuffer out = run.execute();
            return out.get((batch - 1) * run.stride());
        }
    }
}
