package io.inferfn.quantize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * {@code quantize --target}: quantization that must keep a gate on the user's own rows.
 *
 * <ol>
 *   <li>Tries the schemes (per-channel and per-tensor, U8S8 reduce-range and U8U8 weights) and, of
 *       those that pass the gate, keeps the fastest (median ORT call on a batch of the rows).
 *   <li>If none passes, takes the most accurate one and measures each quantized node alone (only
 *       that node int8, the rest fp32) on the rows: its error is what it costs. The most sensitive
 *       nodes are kept fp32, one more at a time (1, 2, 4, ... then narrowed), until the gate passes.
 * </ol>
 *
 * The outcome says which scheme won, which nodes it kept fp32, and what that cost in bytes.
 */
public final class AccuracyTarget {

    /** Rows the per-node sensitivity is measured on (the gate itself is checked on all of them). */
    static final int SENSITIVITY_ROWS = 64;

    private AccuracyTarget() {}

    /** One scheme tried. */
    public record Trial(String scheme, long bytes, ModelVerifier.Report report, List<String> failures, double micros) {

        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** A quantized node's error when it alone is int8. */
    public record Sensitivity(String node, String op, double error) {}

    /**
     * What {@code --target} chose.
     *
     * @param result the model written
     * @param options the options it was quantized with (scheme and nodes kept fp32)
     * @param report its comparison to fp32 on all rows
     * @param trials every scheme tried, in order
     * @param ranked the per-node sensitivities, most sensitive first (empty when a scheme passed)
     * @param bytesAllQuantized the file size with no node kept fp32, to state what keeping cost
     */
    public record Outcome(
            QuantizeResult result,
            QuantizeOptions options,
            ModelVerifier.Report report,
            List<Trial> trials,
            List<Sensitivity> ranked,
            long bytesAllQuantized) {

        public Set<String> kept() {
            return options.keepFp32();
        }

        public String render() {
            StringBuilder out = new StringBuilder();
            for (Trial t : trials) {
                out.append(String.format(
                        Locale.ROOT,
                        "tried %-60s %,12d bytes  %s  %9.1f µs/call  %s%n",
                        t.scheme(),
                        t.bytes(),
                        accuracy(t.report()),
                        t.micros(),
                        t.passed() ? "PASS" : "FAIL " + String.join("; ", t.failures())));
            }
            if (!ranked.isEmpty()) {
                out.append("no scheme passes: nodes by error when quantized alone, most sensitive first\n");
                for (int i = 0; i < Math.min(ranked.size(), Math.max(10, kept().size() + 3)); i++) {
                    Sensitivity s = ranked.get(i);
                    out.append(String.format(
                            Locale.ROOT,
                            "  %-50s %-8s error %.6f%s%n",
                            s.node(),
                            s.op(),
                            s.error(),
                            kept().contains(s.node()) ? "  kept fp32" : ""));
                }
                out.append(String.format(
                        Locale.ROOT,
                        "kept %d node(s) fp32: %s; %,d bytes instead of %,d (+%.1f%%)%n",
                        kept().size(),
                        String.join(", ", kept()),
                        result.model().length,
                        bytesAllQuantized,
                        100.0 * (result.model().length - bytesAllQuantized) / bytesAllQuantized));
            }
            out.append("chose ")
                    .append(options.describe())
                    .append(": ")
                    .append(accuracy(report))
                    .append('\n');
            return out.toString();
        }

        private static String accuracy(ModelVerifier.Report r) {
            return r.vector()
                    ? String.format(
                            Locale.ROOT,
                            "cosine mean %.5f min %.5f, max |Δ| %.5f",
                            r.meanCosine(),
                            r.minCosine(),
                            r.maxAbsDiff())
                    : String.format(
                            Locale.ROOT,
                            "max |Δ| %.5f, AUC drop %s",
                            r.maxAbsDiff(),
                            Double.isNaN(r.referenceAuc())
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.5f", r.referenceAuc() - r.candidateAuc()));
        }
    }

    /**
     * Quantizes {@code fp32} so that it keeps {@code gate} on {@code data}.
     *
     * @param base the mode, calibration and embedding choice; the weight scheme is what is searched
     * @param progress one line per step, for a user waiting on a large model
     */
    public static Outcome quantize(
            byte[] fp32, Samples data, ModelVerifier.Gate gate, QuantizeOptions base, Consumer<String> progress) {
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        try (OrtSession.SessionOptions so = ModelVerifier.servingOptions();
                OrtSession reference = env.createSession(fp32, so)) {
            ModelVerifier.Outputs refAll = ModelVerifier.outputs(env, reference, data, -1);
            int timingBatch = Math.min(32, Math.max(1, data.size()));
            List<Trial> trials = new ArrayList<>();
            Trial best = null;
            QuantizeOptions bestOptions = null;
            QuantizeResult bestResult = null;
            Trial mostAccurate = null;
            QuantizeOptions mostAccurateOptions = null;
            for (QuantizeOptions options : schemes(base)) {
                QuantizeResult result = Quantizer.quantize(fp32, options);
                Trial trial;
                try (OrtSession candidate = env.createSession(result.model(), so)) {
                    ModelVerifier.Report report =
                            ModelVerifier.compare(refAll, ModelVerifier.outputs(env, candidate, data, -1), data);
                    double micros = ModelVerifier.time(env, candidate, data, timingBatch);
                    trial = new Trial(options.describe(), result.model().length, report, report.failures(gate), micros);
                }
                trials.add(trial);
                progress.accept("tried " + trial.scheme() + ": " + (trial.passed() ? "PASS" : "FAIL"));
                if (trial.passed() && (best == null || trial.micros() < best.micros())) {
                    best = trial;
                    bestOptions = options;
                    bestResult = result;
                }
                if (mostAccurate == null || badness(trial.report(), gate) < badness(mostAccurate.report(), gate)) {
                    mostAccurate = trial;
                    mostAccurateOptions = options;
                }
            }
            if (best != null) {
                return new Outcome(
                        bestResult, bestOptions, best.report(), trials, List.of(), bestResult.model().length);
            }
            return keepSensitive(env, so, fp32, data, refAll, gate, mostAccurateOptions, trials, progress);
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed while searching for a scheme: " + e.getMessage(), e);
        }
    }

    private static Outcome keepSensitive(
            OrtEnvironment env,
            OrtSession.SessionOptions so,
            byte[] fp32,
            Samples data,
            ModelVerifier.Outputs refAll,
            ModelVerifier.Gate gate,
            QuantizeOptions scheme,
            List<Trial> trials,
            Consumer<String> progress)
            throws OrtException {
        QuantizeResult all = Quantizer.quantize(fp32, scheme);
        List<NodeReport> quantized =
                all.nodes().stream().filter(NodeReport::quantized).toList();
        Set<String> names = new LinkedHashSet<>();
        quantized.forEach(n -> names.add(n.node()));
        Samples few = data.head(SENSITIVITY_ROWS);
        ModelVerifier.Outputs refFew;
        try (OrtSession reference = env.createSession(fp32, so)) {
            refFew = ModelVerifier.outputs(env, reference, few, -1);
        }
        List<Sensitivity> ranked = new ArrayList<>();
        int done = 0;
        for (NodeReport node : quantized) {
            Set<String> others = new LinkedHashSet<>(names);
            others.remove(node.node());
            QuantizeResult alone = Quantizer.quantize(fp32, scheme.keeping(others));
            try (OrtSession s = env.createSession(alone.model(), so)) {
                ModelVerifier.Report r = ModelVerifier.compare(refFew, ModelVerifier.outputs(env, s, few, -1), few);
                ranked.add(new Sensitivity(node.node(), node.op(), r.vector() ? 1 - r.meanCosine() : r.meanAbsDiff()));
            }
            if (++done % 8 == 0 || done == quantized.size()) {
                progress.accept("measured " + done + " of " + quantized.size() + " nodes alone");
            }
        }
        ranked.sort(Comparator.comparingDouble(Sensitivity::error).reversed());
        // grow the kept set 1, 2, 4, ... until the gate passes, then narrow down between the last two
        // keeping every node fp32 would quantize nothing: at most all but one
        int most = ranked.size() - 1;
        int fail = 0;
        int pass = -1;
        Candidate passing = null;
        for (int k = Math.min(1, most); k <= most && k > 0; k = k == most ? most + 1 : Math.min(k * 2, most)) {
            Candidate c = evaluate(env, so, fp32, data, refAll, gate, scheme, ranked, k);
            progress.accept("kept " + k + " fp32: " + (c.failures.isEmpty() ? "PASS" : "FAIL"));
            if (c.failures.isEmpty()) {
                pass = k;
                passing = c;
                break;
            }
            fail = k;
        }
        if (passing == null) {
            throw new QuantizeException("the gate (" + gate.describe() + ") is not met by any scheme, nor with all"
                    + " but one quantized node kept fp32: publish this model fp32, or loosen the gate");
        }
        while (pass - fail > 1) {
            int k = (pass + fail) / 2;
            Candidate c = evaluate(env, so, fp32, data, refAll, gate, scheme, ranked, k);
            progress.accept("kept " + k + " fp32: " + (c.failures.isEmpty() ? "PASS" : "FAIL"));
            if (c.failures.isEmpty()) {
                pass = k;
                passing = c;
            } else {
                fail = k;
            }
        }
        return new Outcome(passing.result, passing.options, passing.report, trials, ranked, all.model().length);
    }

    private record Candidate(
            QuantizeOptions options, QuantizeResult result, ModelVerifier.Report report, List<String> failures) {}

    private static Candidate evaluate(
            OrtEnvironment env,
            OrtSession.SessionOptions so,
            byte[] fp32,
            Samples data,
            ModelVerifier.Outputs refAll,
            ModelVerifier.Gate gate,
            QuantizeOptions scheme,
            List<Sensitivity> ranked,
            int k)
            throws OrtException {
        Set<String> keep = new LinkedHashSet<>();
        for (int i = 0; i < k; i++) {
            keep.add(ranked.get(i).node());
        }
        QuantizeOptions options = scheme.keeping(keep);
        QuantizeResult result = Quantizer.quantize(fp32, options);
        try (OrtSession s = env.createSession(result.model(), so)) {
            ModelVerifier.Report r = ModelVerifier.compare(refAll, ModelVerifier.outputs(env, s, data, -1), data);
            ModelVerifier.Report sized = new ModelVerifier.Report(
                    fp32.length,
                    result.model().length,
                    r.rows(),
                    r.vector(),
                    r.maxAbsDiff(),
                    r.meanAbsDiff(),
                    r.meanCosine(),
                    r.minCosine(),
                    r.referenceAuc(),
                    r.candidateAuc(),
                    List.of());
            return new Candidate(options, result, sized, r.failures(gate));
        }
    }

    /** The schemes tried, the base's own first. */
    static List<QuantizeOptions> schemes(QuantizeOptions base) {
        List<QuantizeOptions> schemes = new ArrayList<>();
        schemes.add(base);
        for (boolean perChannel : new boolean[] {true, false}) {
            for (QuantizeOptions.WeightFormat w : QuantizeOptions.WeightFormat.values()) {
                if (perChannel != base.perChannel() || w != base.weights()) {
                    schemes.add(base.with(perChannel, w));
                }
            }
        }
        return schemes;
    }

    /** How far past the gate a report is: the worst ratio of a measure to its threshold (below 1 passes). */
    static double badness(ModelVerifier.Report r, ModelVerifier.Gate gate) {
        double worst = 0;
        if (!Double.isNaN(gate.maxAbsDiff())) {
            worst = Math.max(worst, r.maxAbsDiff() / gate.maxAbsDiff());
        }
        if (!Double.isNaN(gate.maxAucDrop()) && !Double.isNaN(r.referenceAuc())) {
            worst = Math.max(worst, (r.referenceAuc() - r.candidateAuc()) / gate.maxAucDrop());
        }
        if (!Double.isNaN(gate.minCosine()) && r.vector()) {
            worst = Math.max(worst, (1 - r.minCosine()) / Math.max(1e-9, 1 - gate.minCosine()));
        }
        return Double.isNaN(worst) ? Double.MAX_VALUE : worst;
    }
}
