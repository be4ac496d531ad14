package io.inferfn.models;

import java.util.SplittableRandom;

/**
 * A small multi-layer perceptron for binary classification (ReLU hidden layers, sigmoid output),
 * trained with Adam on binary cross-entropy. Written by hand because no JVM training library on
 * Maven Central both trains an MLP without native downloads and exposes weights for ONNX export;
 * it is only used offline by the demo generator, never at serving time.
 */
public final class Mlp {

    final int[] sizes;
    final double[][] weights; // layer l: [out][in] row-major, as ONNX Gemm with transB=1 expects
    final double[][] biases;
    final double[] mean;
    final double[] invStd;

    private final double[][] mW;
    private final double[][] vW;
    private final double[][] mB;
    private final double[][] vB;
    private int step;

    public Mlp(int[] sizes, double[] mean, double[] invStd, long seed) {
        this.sizes = sizes.clone();
        this.mean = mean.clone();
        this.invStd = invStd.clone();
        int layers = sizes.length - 1;
        weights = new double[layers][];
        biases = new double[layers][];
        mW = new double[layers][];
        vW = new double[layers][];
        mB = new double[layers][];
        vB = new double[layers][];
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < layers; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            weights[l] = new double[out * in];
            double scale = Math.sqrt(2.0 / in); // He initialisation for ReLU
            for (int i = 0; i < weights[l].length; i++) {
                weights[l][i] = scale * Draws.gaussian(random);
            }
            biases[l] = new double[out];
            mW[l] = new double[out * in];
            vW[l] = new double[out * in];
            mB[l] = new double[out];
            vB[l] = new double[out];
        }
    }

    /** Probability of the positive class for one raw (unstandardised) row. */
    public double predict(double[] raw) {
        double[] a = standardise(raw);
        for (int l = 0; l < weights.length; l++) {
            a = layer(l, a);
        }
        return a[0];
    }

    private double[] standardise(double[] raw) {
        double[] x = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            x[i] = (raw[i] - mean[i]) * invStd[i];
        }
        return x;
    }

    private double[] layer(int l, double[] in) {
        int nIn = sizes[l];
        int nOut = sizes[l + 1];
        double[] out = new double[nOut];
        for (int o = 0; o < nOut; o++) {
            double z = biases[l][o];
            for (int i = 0; i < nIn; i++) {
                z += weights[l][o * nIn + i] * in[i];
            }
            out[o] = l == weights.length - 1 ? 1 / (1 + Math.exp(-z)) : Math.max(0, z);
        }
        return out;
    }

    /** One Adam step on a mini-batch; returns the mean binary cross-entropy before the step. */
    public double trainBatch(double[][] rows, double[] labels, int from, int to, double learningRate) {
        int layers = weights.length;
        double[][] gW = new double[layers][];
        double[][] gB = new double[layers][];
        for (int l = 0; l < layers; l++) {
            gW[l] = new double[weights[l].length];
            gB[l] = new double[biases[l].length];
        }
        double loss = 0;
        double[][] acts = new double[layers + 1][];
        for (int r = from; r < to; r++) {
            acts[0] = standardise(rows[r]);
            for (int l = 0; l < layers; l++) {
                acts[l + 1] = layer(l, acts[l]);
            }
            double p = Math.min(1 - 1e-7, Math.max(1e-7, acts[layers][0]));
            loss -= labels[r] * Math.log(p) + (1 - labels[r]) * Math.log(1 - p);
            double[] delta = {acts[layers][0] - labels[r]}; // dLoss/dz for sigmoid + BCE
            for (int l = layers - 1; l >= 0; l--) {
                int nIn = sizes[l];
                int nOut = sizes[l + 1];
                double[] prev = acts[l];
                double[] back = new double[nIn];
                for (int o = 0; o < nOut; o++) {
                    double d = delta[o];
                    gB[l][o] += d;
                    int rowBase = o * nIn;
                    for (int i = 0; i < nIn; i++) {
                        gW[l][rowBase + i] += d * prev[i];
                        back[i] += d * weights[l][rowBase + i];
                    }
                }
                if (l > 0) {
                    for (int i = 0; i < nIn; i++) {
                        back[i] = prev[i] > 0 ? back[i] : 0; // ReLU derivative
                    }
                }
                delta = back;
            }
        }
        int n = to - from;
        step++;
        for (int l = 0; l < layers; l++) {
            adam(weights[l], gW[l], mW[l], vW[l], n, learningRate);
            adam(biases[l], gB[l], mB[l], vB[l], n, learningRate);
        }
        return loss / n;
    }

    /**
     * Decoupled weight decay (as in AdamW): shrinks every weight, not the biases, by {@code rate}.
     * Keeps the learned function smooth, and with it the ranges its int8 version must cover.
     */
    public void decayWeights(double rate) {
        for (double[] layer : weights) {
            for (int i = 0; i < layer.length; i++) {
                layer[i] *= 1 - rate;
            }
        }
    }

    private void adam(double[] param, double[] grad, double[] m, double[] v, int n, double lr) {
        double b1 = 0.9;
        double b2 = 0.999;
        double c1 = 1 - Math.pow(b1, step);
        double c2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < param.length; i++) {
            double g = grad[i] / n;
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            param[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
        }
    }
}
