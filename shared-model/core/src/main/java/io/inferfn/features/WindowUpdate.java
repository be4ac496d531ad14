package io.inferfn.features;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One scoring call's window reads and updates, for the {@link FeatureStore} to run in the call's
 * one round trip as {@link WindowScript} with {@link #keys()} and {@link #args()}, and to answer with
 * {@link #answer} (or leave unanswered when the store could not run it: the window features then
 * take their defaults, degraded). Reused from call to call in a thread's {@link FeatureScratch}.
 */
public final class WindowUpdate {

    /** Readings (script ops) of this call. */
    int ops;
    /** The call's distinct windows: three keys each (readings, positions, statistics kept for redeliveries). */
    private String[] keys = new String[9];

    private int keyCount;
    private String[] args = new String[64];
    private int argCount;
    /** The statistics of each op, {@link WindowScript#STATS} per op, NaN where the window had none. */
    double[] stats = new double[64 * WindowScript.STATS];

    boolean answered;
    /** Per window key: its index among this call's windows (1-based, as the script counts). */
    private final Map<String, Integer> windowOf = new HashMap<>();

    WindowUpdate() {}

    void reset() {
        ops = 0;
        keyCount = 0;
        argCount = 0;
        answered = false;
        windowOf.clear();
    }

    /** The script's KEYS: per window its readings list, its positions hash and its list kept for redeliveries. */
    public String[] keys() {
        return keys;
    }

    /** How many of {@link #keys()} this call uses. */
    public int keyCount() {
        return keyCount;
    }

    /** The script's ARGV. */
    public String[] args() {
        return args;
    }

    /** How many of {@link #args()} this call uses. */
    public int argCount() {
        return argCount;
    }

    /** Readings this call reads and appends; a store need not run the script when there are none. */
    public int ops() {
        return ops;
    }

    /**
     * The script's reply: {@link WindowScript#STATS} strings per reading, empty where the window had
     * nothing to say.
     *
     * @param value the {@code i}-th string of the reply (0-based), or null for an empty one
     */
    public void answer(int i, String value) {
        stats[i] = value == null || value.isEmpty() ? Double.NaN : Double.parseDouble(value);
        if (i == ops * WindowScript.STATS - 1) {
            answered = true;
        }
    }

    /** Whether the store ran the script and answered every reading. */
    public boolean answered() {
        return answered;
    }

    /**
     * Writes the ARGV header: the window definitions (timed, size, ttl: three each), the time-window cap and
     * how many readings per window are kept for redeliveries.
     */
    void begin(String[] definitions, String cap, String replay) {
        ensureArgs(definitions.length + 3);
        args[0] = Integer.toString(definitions.length / 3);
        System.arraycopy(definitions, 0, args, 1, definitions.length);
        args[definitions.length + 1] = cap;
        args[definitions.length + 2] = replay;
        argCount = definitions.length + 3;
    }

    /** The 1-based window of {@code key}, added when new. */
    int window(String key) {
        Integer w = windowOf.get(key);
        if (w != null) {
            return w;
        }
        int index = keyCount / 3 + 1;
        windowOf.put(key, index);
        if (keyCount + 3 > keys.length) {
            keys = Arrays.copyOf(keys, keys.length * 2);
        }
        keys[keyCount++] = key;
        keys[keyCount++] = key + ":at";
        keys[keyCount++] = key + ":seen";
        return index;
    }

    /**
     * Appends one reading of window {@code w}, of definition {@code d} (1-based); returns its op index.
     *
     * @param field the reading's stream partition, or "" for a reading that only reads
     * @param position its offset in that partition (decimal digits), or ""
     */
    int op(int w, int d, String field, String position, double time, double value) {
        ensureArgs(argCount + 6);
        args[argCount++] = Integer.toString(w);
        args[argCount++] = Integer.toString(d);
        args[argCount++] = field;
        args[argCount++] = position;
        args[argCount++] = Double.toString(time);
        args[argCount++] = Double.toString(value);
        int op = ops++;
        if (stats.length < ops * WindowScript.STATS) {
            stats = Arrays.copyOf(stats, stats.length * 2);
        }
        return op;
    }

    private void ensureArgs(int n) {
        if (args.length < n) {
            args = Arrays.copyOf(args, Math.max(n, args.length * 2));
        }
    }
}
