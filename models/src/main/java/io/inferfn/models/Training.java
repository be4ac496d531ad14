package io.inferfn.models;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

import io.inferfn.model.ModelRegistry;
import io.inferfn.quantize.Auc;
import io.inferfn.quantize.ModelPublisher;
import io.inferfn.quantize.QuantizeOptions;
import io.inferfn.quantize.QuantizeResult;
import io.inferfn.quantize.Quantizer;

/** The steps every demo model shares: train an MLP, score it, write vectors, publish its int8 version. */
final class Training {

    private Training() {}

    /**
     * Trains an MLP of {@code sizes} (input width first) with Adam on binary cross-entropy: batches
     * of 128, 12 epochs, learning rate 0.003 then 0.001 for the last four; inputs standardised inside
     * the model with the training set's mean and deviation.
     */
    static Mlp train(double[][] rows, double[] labels, int[] sizes) {
        return train(rows, labels, sizes, 0);
    }

    /**
     * {@link #train(double[][], double[], int[])} with decoupled weight decay: after each Adam step
     * every weight shrinks by {@code learning rate × weightDecay} (0: none, the plain recipe).
     */
    static Mlp train(double[][] rows, double[] labels, int[] sizes, double weightDecay) {
        int n = rows.length;
        int width = sizes[0];
        double[] mean = new double[width];
        double[] invStd = new double[width];
        for (double[] row : rows) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += row[j] / n;
            }
        }
        for (int j = 0; j < mean.length; j++) {
            double var = 0;
            for (double[] row : rows) {
                var += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
            }
            invStd[j] = var > 1e-12 ? 1 / Math.sqrt(var) : 1;
        }
        Mlp mlp = new Mlp(sizes, mean, invStd, 7L);
        int batch = 128;
        for (int epoch = 0; epoch < 12; epoch++) {
            double lr = epoch < 8 ? 0.003 : 0.001;
            for (int from = 0; from < n; from += batch) {
                mlp.trainBatch(rows, labels, from, Math.min(n, from + batch), lr);
                if (weightDecay > 0) {
                    mlp.decayWeights(lr * weightDecay);
                }
            }
        }
        return mlp;
    }

    /** The model input vectors of {@code rows}. */
    static <T> double[][] vectors(List<T> rows, Function<T, double[]> features) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = features.apply(rows.get(i));
        }
        return out;
    }

    /** Which of {@code rows} are positive examples. */
    static <T> boolean[] labels(List<T> rows, Predicate<T> positive) {
        boolean[] out = new boolean[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = positive.test(rows.get(i));
        }
        return out;
    }

    /** {@link #train(double[][], double[], int[])} on {@code rows}' vectors and 0/1 labels. */
    static <T> Mlp train(List<T> rows, Function<T, double[]> features, Predicate<T> positive, int[] sizes) {
        return train(rows, features, positive, sizes, 0);
    }

    /** {@link #train(double[][], double[], int[], double)} on {@code rows}' vectors and 0/1 labels. */
    static <T> Mlp train(
            List<T> rows, Function<T, double[]> features, Predicate<T> positive, int[] sizes, double weightDecay) {
        double[] labels = new double[rows.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = positive.test(rows.get(i)) ? 1 : 0;
        }
        return train(vectors(rows, features), labels, sizes, weightDecay);
    }

    static double auc(Mlp mlp, double[][] rows, boolean[] positive) {
        double[] scores = new double[rows.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = mlp.predict(rows[i]);
        }
        return Auc.of(scores, positive);
    }

    /** Static QDQ, per-tensor, min/max over {@code rows}: the int8 recipe of the demo models. */
    static QuantizeOptions staticInt8(double[][] rows) {
        float[][] calibration = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            calibration[i] = new float[rows[i].length];
            for (int j = 0; j < rows[i].length; j++) {
                calibration[i][j] = (float) rows[i][j];
            }
        }
        return new QuantizeOptions(
                QuantizeOptions.Mode.STATIC, false, calibration, QuantizeOptions.Calibration.MINMAX, 0);
    }

    /**
     * Quantizes {@code <modelDir>/<fp32Version>} and publishes it as {@code <modelDir>/<int8Version>}
     * through the same publisher as `inferfn model publish`, replacing an earlier demo int8 version.
     */
    static ModelPublisher.Published publishInt8(
            Path modelDir, String fp32Version, String int8Version, QuantizeOptions options) throws IOException {
        Path fp32Dir = modelDir.resolve(fp32Version);
        QuantizeResult result = Quantizer.quantize(Files.readAllBytes(fp32Dir.resolve(ModelRegistry.MODEL)), options);
        Path staging = Files.createTempDirectory("int8");
        Files.write(staging.resolve(ModelRegistry.MODEL), result.model());
        Files.copy(fp32Dir.resolve(ModelRegistry.MANIFEST), staging.resolve(ModelRegistry.MANIFEST));
        Path previous = modelDir.resolve(int8Version);
        if (Files.exists(previous)) {
            Files.delete(previous.resolve(ModelRegistry.MODEL));
            Files.delete(previous.resolve(ModelRegistry.MANIFEST));
            Files.delete(previous);
        }
        // the served version carries the histogram of its scores on the holdout rows, for the drift gauge
        return ModelPublisher.publish(
                staging, "file:" + modelDir.toAbsolutePath().getParent(), int8Version, modelDir.resolve("holdout.csv"));
    }

    /** Model input vectors with a {@code label} column, for `inferfn model verify` and calibration. */
    static void writeVectors(Path file, double[][] rows, boolean[] labels) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder();
            for (int i = 0; i < rows[0].length; i++) {
                header.append('x').append(i).append(',');
            }
            w.write(header.append("label\n").toString());
            for (int r = 0; r < rows.length; r++) {
                StringBuilder line = new StringBuilder();
                for (double v : rows[r]) {
                    line.append((float) v).append(',');
                }
                w.write(line.append(labels[r] ? 1 : 0).append('\n').toString());
            }
        }
    }
}
