package io.inferfn.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.inferfn.features.FeaturePlan;
import io.inferfn.features.FeatureScratch;
import io.inferfn.features.StoreReply;
import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Row;

/**
 * Measures what the Scorer does on the CPU before ORT for the fraud model (request validation and
 * conversion, the Redis key strings, store values parsed, derived features and the float columns
 * written: {@code readRequest}, {@code storeKeys}, {@code assemble}), with the Redis reply already
 * in hand, because that cost is paid on every row and no network hides it.
 *
 * <p>Rows are what {@code /predict} hands the Scorer after Jackson: a map with a {@code Double}
 * amount, a category string, a timestamp (an ISO-8601 string or epoch seconds, {@code timestamp}) and a {@code Boolean}; the reply holds
 * the customers' four store features as Redis returns them, strings. The score is time per call;
 * per row is the score divided by {@code batch}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FeatureAssemblyBench {

    private static final String[] CATEGORIES = {
        "grocery", "restaurant", "fuel", "travel", "electronics", "online", "other"
    };
    /** Distinct batches cycled through, so that the same maps are not assembled every call. */
    private static final int SETS = 8;

    @Param({"1", "1024"})
    public int batch;

    /**
     * How rows send {@code timestamp}: iso, an ISO-8601 string as in the README's example (parsed per
     * row); epoch, epoch seconds as a number as the demo's batch sample sends it.
     */
    @Param({"iso", "epoch"})
    public String timestamp;

    private FeaturePlan plan;
    private List<List<Row>> rowSets;
    private StoreReply[] replies;
    private FloatBuffer out;
    private int next;

    @Setup
    public void setUp() {
        try (LoadedModel model = Fixtures.load("fraud/2")) {
            plan = model.plan();
        }
        List<String[]> customers = Fixtures.csv("fraud/customers.csv");
        SplittableRandom random = new SplittableRandom(42);
        long monday = Instant.parse("2026-11-23T00:00:00Z").getEpochSecond();
        rowSets = new ArrayList<>(SETS);
        replies = new StoreReply[SETS];
        for (int set = 0; set < SETS; set++) {
            List<Row> rows = new ArrayList<>(batch);
            String[][] values = new String[batch][];
            for (int r = 0; r < batch; r++) {
                String[] customer = customers.get(random.nextInt(customers.size()));
                Map<String, Object> features = new LinkedHashMap<>();
                features.put("amount", Math.round((1 + random.nextDouble() * 400) * 100) / 100.0);
                features.put("merchant_category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
                long epoch = monday + random.nextInt(7 * 86_400);
                // epoch seconds as Jackson reads them from JSON: an Integer
                Object ts =
                        timestamp.equals("iso") ? Instant.ofEpochSecond(epoch).toString() : (Object) (int) epoch;
                features.put("timestamp", ts);
                features.put("card_present", random.nextBoolean());
                rows.add(Row.of(customer[0], features));
                values[r] = Arrays.copyOfRange(customer, 1, 5);
            }
            rowSets.add(rows);
            replies[set] = StoreReply.of(values);
        }
        out = ByteBuffer.allocateDirect(batch * plan.width() * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    @Benchmark
    public int assemble() {
        int set = next++ & (SETS - 1);
        List<Row> rows = rowSets.get(set);
        StoreReply reply = replies[set];
        FeatureScratch scratch = plan.scratch(batch);
        for (int r = 0; r < batch; r++) {
            plan.readRequest(rows.get(r), r, scratch, batch == 1 ? -1 : r);
        }
        int keys = plan.storeKeys(rows, scratch);
        out.clear();
        for (int r = 0; r < batch; r++) {
            plan.assemble(r, reply, scratch, out);
        }
        return keys + out.position();
    }
}
