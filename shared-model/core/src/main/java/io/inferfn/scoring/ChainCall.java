package io.inferfn.scoring;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import io.inferfn.features.FeaturePlan;
import io.inferfn.features.FeatureScratch;
import io.inferfn.features.StoreReply;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelChain;

/**
 * The working state of one call of a chained model: each stage's own working arrays, and the union of
 * every stage's Redis keys, fetched in one round trip and split back per stage. Only chained models pay for
 * it; a model that reads no other model never builds one.
 */
final class ChainCall {

    final ModelChain chain;
    final LoadedModel[] stages;
    final FeatureScratch[] scratch;
    private final int[] keyCount;
    private String[] keys;
    private String[][] fields;
    private int total;

    ChainCall(ModelChain chain, int rows) {
        this.chain = chain;
        this.stages = chain.stages().toArray(LoadedModel[]::new);
        this.scratch = new FeatureScratch[stages.length];
        this.keyCount = new int[stages.length];
        for (int s = 0; s < stages.length; s++) {
            scratch[s] = stages[s].plan().borrowScratch(rows, chain.featureNames());
        }
    }

    /** Reads row {@code r} for every stage. */
    void read(Row row, int r, int batchIndex, RowOrigin origin, Pattern keyValues) {
        for (int s = 0; s < stages.length; s++) {
            stages[s].plan().readRequest(row, r, scratch[s], batchIndex, origin, keyValues);
        }
    }

    /** Forgets what a rejected row left in slot {@code r} of every stage. */
    void clearRow(int r) {
        for (FeatureScratch s : scratch) {
            s.clearRow(r);
        }
    }

    /** Lists every stage's keys for {@code rows}, one after the other; returns how many in all. */
    int keys(List<? extends Row> rows) {
        total = 0;
        for (int s = 0; s < stages.length; s++) {
            keyCount[s] = stages[s].plan().storeKeys(rows, scratch[s]);
            total += keyCount[s];
        }
        keys = new String[total];
        fields = new String[total][];
        int at = 0;
        for (int s = 0; s < stages.length; s++) {
            System.arraycopy(scratch[s].keys(), 0, keys, at, keyCount[s]);
            System.arraycopy(scratch[s].fields(), 0, fields, at, keyCount[s]);
            at += keyCount[s];
        }
        return total;
    }

    String[] keyArray() {
        return keys;
    }

    String[][] fieldArray() {
        return fields;
    }

    /** Stage {@code stage}'s part of the one reply (an unavailable store is unavailable to every stage). */
    StoreReply reply(StoreReply reply, int stage) {
        if (!reply.available() || stages.length == 1) {
            return reply;
        }
        int from = 0;
        for (int s = 0; s < stage; s++) {
            from += keyCount[s];
        }
        if (keyCount[stage] == 0) {
            return StoreReply.of(new String[0][]);
        }
        return StoreReply.of(Arrays.copyOfRange(reply.values(), from, from + keyCount[stage]));
    }

    /** Gives every stage's working arrays back. */
    void release() {
        for (int s = 0; s < stages.length; s++) {
            FeaturePlan plan = stages[s].plan();
            plan.returnScratch(scratch[s]);
        }
    }
}
