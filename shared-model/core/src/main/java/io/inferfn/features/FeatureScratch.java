package io.inferfn.features;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * One thread's working arrays for a {@link FeaturePlan}, sized for the largest batch seen: row
 * {@code r}'s feature {@code i} is at {@code r * features + i}. Valid between
 * {@link FeaturePlan#scratch(int)} and the end of the scoring call.
 */
public final class FeatureScratch {

    private final int n;
    private final int patterns;
    private final int windowDefinitions;
    /** Per row and window definition: the op of the call's {@link WindowUpdate} that reads it. */
    int[] windowOp;

    private WindowUpdate windows;
    double[] num;
    String[] str;
    /** Store features the caller sent with the row: used as they are, not fetched. */
    boolean[] supplied;
    /** Per row and key pattern: the key's index in {@link #keys}, or -1 when nothing is fetched. */
    int[] keyIndex;

    String[] keys;
    String[][] fields;
    private Map<String, Integer> seenKeys;
    boolean[] rowDegraded = new boolean[1];
    List<String>[] rowMissing = newLists(1);
    final StringBuilder keyBuilder = new StringBuilder(64);
    /** The column names {@link #layout} was computed for (one array per positional source). */
    String[] layoutColumns;

    RequestReader.ColumnLayout layout;
    /**
     * In a chain: the names other models of the chain read from the request, which this model lets pass;
     * null outside a chain (an unknown name is an error).
     */
    java.util.Set<String> otherStages;

    /** Checks values that fill key placeholders; reset per value, so the check allocates nothing. */
    Matcher keyValueMatcher;

    FeatureScratch(int features, int patterns, int windowDefinitions) {
        this.n = features;
        this.patterns = patterns;
        this.windowDefinitions = windowDefinitions;
        windowOp = new int[Math.max(1, windowDefinitions)];
        num = new double[n];
        str = new String[n];
        supplied = new boolean[n];
        keyIndex = new int[Math.max(1, patterns)];
        keys = new String[Math.max(1, patterns)];
        fields = new String[Math.max(1, patterns)][];
    }

    /** Makes room for {@code rows} rows and forgets the last call's values. */
    void reset(int rows) {
        int cells = rows * n;
        if (num.length < cells) {
            num = new double[cells];
            str = new String[cells];
            supplied = new boolean[cells];
        } else {
            Arrays.fill(str, 0, cells, null);
            Arrays.fill(supplied, 0, cells, false);
        }
        if (rowDegraded.length < rows) {
            rowDegraded = new boolean[rows];
            rowMissing = newLists(rows);
        }
        if (windowOp.length < rows * windowDefinitions) {
            windowOp = new int[rows * windowDefinitions];
        }
        int slots = rows * patterns;
        if (keyIndex.length < slots) {
            keyIndex = new int[slots];
            keys = new String[slots];
            fields = new String[slots][];
        }
    }

    /** Forgets what a rejected row left in slot {@code r}, so the next row can take the slot. */
    public void clearRow(int r) {
        Arrays.fill(str, r * n, (r + 1) * n, null);
        Arrays.fill(supplied, r * n, (r + 1) * n, false);
    }

    /** Whether row {@code r} was {@linkplain FeaturePlan#assemble assembled} with a required feature missing. */
    public boolean degraded(int r) {
        return rowDegraded[r];
    }

    /** The features of row {@code r} that fell back to their defaults. */
    public List<String> missing(int r) {
        return rowMissing[r];
    }

    /** This scratch's window reads and updates (one call's at a time). */
    WindowUpdate windows() {
        if (windows == null) {
            windows = new WindowUpdate();
        }
        return windows;
    }

    /** The keys a batch has listed so far and their index in {@link #keys}: empty at each call's start. */
    Map<String, Integer> seenKeys() {
        if (seenKeys == null) {
            seenKeys = new HashMap<>();
        } else {
            seenKeys.clear();
        }
        return seenKeys;
    }

    /** The keys {@link FeaturePlan#storeKeys} wrote. */
    public String[] keys() {
        return keys;
    }

    /** The field lists {@link FeaturePlan#storeKeys} wrote, one per key. */
    public String[][] fields() {
        return fields;
    }

    @SuppressWarnings("unchecked")
    private static List<String>[] newLists(int n) {
        return new List[n];
    }
}
