package io.inferfn.features;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.StreamPosition;

/**
 * The window features: which windows each row reads and appends to (one {@link WindowUpdate} per
 * call, run by the store in the call's one round trip), and how the script's statistics fill the
 * rows, with a feature's default where its window has nothing to say.
 */
final class WindowFeatures {

    private static final double[] NO_STATS = new double[0];

    private static final String CAP = Integer.toString(FeatureSpec.Window.MAX_TIME_READINGS);
    private static final String REPLAY = Integer.toString(FeatureSpec.Window.REDELIVERY_READINGS);

    private final int n;
    /** Window definitions (one per distinct key pattern): the key around {@code {entityId}}. */
    private final String[] prefix;

    private final String[] suffix;
    private final int[] of;
    /** The timestamp feature that gives a time window's event time, else -1 (the message's timestamp). */
    private final int[] time;

    private final boolean[] timed;
    /** ARGV header of the script: timed, size, ttl per definition. */
    private final String[] definitions;
    /** The window features: feature index, definition, statistic. */
    private final int[] features;

    private final int[] definitionOf;
    private final FeatureSpec.Window.Stat[] stats;
    private final String[] names;
    private final double[] defaults;
    /** The first window's key pattern, for the message when a row lacks an entity id; null when none. */
    final String entityPattern;
    /** A time window that takes its event time from the message, for the message when it has none; else null. */
    private final String needsTimestamp;

    WindowFeatures(FeatureTable table, List<FeatureSpec> specs) {
        n = table.size;
        Map<String, FeatureSpec.Window> byKey = new LinkedHashMap<>();
        List<Integer> windowFeatures = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) instanceof FeatureSpec.Window w) {
                byKey.putIfAbsent(w.key(), w);
                windowFeatures.add(i);
            }
        }
        int d = byKey.size();
        prefix = new String[d];
        suffix = new String[d];
        of = new int[d];
        time = new int[d];
        timed = new boolean[d];
        definitions = new String[3 * d];
        List<String> keys = new ArrayList<>(byKey.keySet());
        String timestamp = null;
        for (int k = 0; k < d; k++) {
            FeatureSpec.Window w = byKey.get(keys.get(k));
            String key = w.key();
            String placeholder = "{" + ModelManifest.ENTITY_ID + "}";
            int at = key.indexOf(placeholder);
            prefix[k] = key.substring(0, at);
            suffix[k] = key.substring(at + placeholder.length());
            of[k] = table.indexOf(w.of());
            time[k] = w.time() == null ? -1 : table.indexOf(w.time());
            timed[k] = w.timed();
            if (timed[k] && time[k] < 0 && timestamp == null) {
                timestamp = w.name();
            }
            definitions[3 * k] = timed[k] ? "1" : "0";
            definitions[3 * k + 1] = timed[k] ? Double.toString(w.seconds()) : Integer.toString(w.last());
            definitions[3 * k + 2] = Long.toString(w.ttl());
        }
        needsTimestamp = timestamp;
        entityPattern = d == 0 ? null : keys.get(0);
        int count = windowFeatures.size();
        features = new int[count];
        definitionOf = new int[count];
        stats = new FeatureSpec.Window.Stat[count];
        names = new String[count];
        defaults = new double[count];
        for (int j = 0; j < count; j++) {
            int i = windowFeatures.get(j);
            FeatureSpec.Window w = (FeatureSpec.Window) specs.get(i);
            features[j] = i;
            definitionOf[j] = keys.indexOf(w.key());
            stats[j] = w.stat();
            names[j] = w.name();
            defaults[j] = table.defaultNum[i];
        }
    }

    /** Distinct windows per row. */
    int definitions() {
        return prefix.length;
    }

    /**
     * Checks that a row can be placed in its time windows: it needs an event time, from the manifest's
     * {@code time} feature or the message's timestamp.
     */
    void check(Row row, int batchIndex) {
        if (needsTimestamp == null) {
            return;
        }
        StreamPosition p = row.position();
        if (p == null || p.timestampMillis() < 0) {
            throw new InvalidRequestException((batchIndex < 0 ? "" : "rows[" + batchIndex + "]: ") + "window feature '"
                    + needsTimestamp + "' spans seconds of event time and names no 'time' feature, so it takes the"
                    + " message's timestamp; this one has none");
        }
    }

    /** Lists every row's window reads and appends into {@code s}'s update; null when the model has no windows. */
    WindowUpdate prepare(List<? extends Row> rows, FeatureScratch s) {
        int d = prefix.length;
        if (d == 0) {
            return null;
        }
        WindowUpdate u = s.windows();
        u.reset();
        u.begin(definitions, CAP, REPLAY);
        StringBuilder sb = s.keyBuilder;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            int base = r * n;
            StreamPosition p = row.position();
            for (int k = 0; k < d; k++) {
                sb.setLength(0);
                String key = sb.append(prefix[k])
                        .append(row.entityId())
                        .append(suffix[k])
                        .toString();
                int w = u.window(key);
                double t;
                if (time[k] >= 0) {
                    t = s.num[base + time[k]];
                } else {
                    t = p == null || p.timestampMillis() < 0 ? 0 : p.timestampMillis() / 1000.0;
                }
                s.windowOp[r * d + k] = u.op(
                        w, k + 1, p == null ? "" : p.partition(), p == null ? "" : p.offset(), t, s.num[base + of[k]]);
            }
        }
        return u;
    }

    /**
     * Fills row {@code r}'s window features from the script's answer, a default where the window has
     * nothing to say; returns {@code missing} with the features that fell back added. Without an
     * answer (the store could not run the script) every window feature falls back and the row is
     * degraded.
     */
    List<String> apply(int r, FeatureScratch s, List<String> missing) {
        int count = features.length;
        if (count == 0) {
            return missing;
        }
        WindowUpdate u = s.windows();
        boolean answered = u.answered();
        double[] st = answered ? u.stats : NO_STATS;
        int base = r * n;
        int d = prefix.length;
        for (int j = 0; j < count; j++) {
            int k = definitionOf[j];
            double value = Double.NaN;
            if (answered) {
                int at = s.windowOp[r * d + k] * WindowScript.STATS;
                double x = s.num[base + of[k]];
                value = switch (stats[j]) {
                    case COUNT -> st[at];
                    case MEAN -> st[at + 1];
                    case STD -> st[at + 2];
                    case MIN -> st[at + 3];
                    case MAX -> st[at + 4];
                    case LAST -> st[at + 5];
                    case DELTA -> x - st[at + 5];
                    case ZSCORE -> st[at + 2] > 0 ? (x - st[at + 1]) / st[at + 2] : Double.NaN;
                };
            }
            if (Double.isNaN(value)) {
                value = defaults[j];
                if (missing.isEmpty()) {
                    missing = new ArrayList<>(4);
                }
                missing.add(names[j]);
            }
            s.num[base + features[j]] = value;
        }
        if (!answered) {
            s.rowDegraded[r] = true;
        }
        return missing;
    }
}
