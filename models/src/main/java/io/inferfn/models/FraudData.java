package io.inferfn.models;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic card transactions for the demo fraud model. The generating process, which the README
 * of {@code models/} documents, is:
 *
 * <ul>
 *   <li><b>Customers</b> ({@code c-1000} ...): 30-day average spend ~ lognormal(ln 55, 0.7);
 *       transactions in the last 24 h ~ Poisson(2.5); account age ~ 3 + 3650·U^1.5 days;
 *       chargebacks in the last year ~ Poisson(0.15).
 *   <li><b>Transactions</b>: a uniformly drawn customer; merchant category from {@link #CATEGORIES}
 *       with weights 30/20/15/10/10/15 %; amount = customer average × lognormal(0, 0.6), and with
 *       probability 0.1 a big purchase × U(2, 6); timestamp uniform over November 2026 with hours
 *       drawn 8 % night (0-5 h), 80 % day (6-21 h), 12 % late (22-23 h); card present with
 *       probability 0.65 at grocery/restaurant/fuel, 0.3 travel, 0.2 electronics, 0 online.
 *   <li><b>Fraud</b> ~ Bernoulli(sigmoid(z)) with z = -6.2 + 1.5·ln(amount/average) + 1.4·night
 *       + 0.6·late + 1.0·[electronics or online] + 0.5·[travel] - 1.2·card present
 *       + 0.8·min(chargebacks, 3) + 0.3·txns in 24 h - 0.6·ln(1 + age/365)
 *       + 1.5·[amount > 3 × average and card not present]: about 1.6 % of transactions.
 * </ul>
 *
 * Everything is drawn from {@link SplittableRandom} with fixed seeds, so a run reproduces the same
 * data, the same trained weights and the same {@code model.onnx} bytes.
 */
public final class FraudData {

    /** Merchant categories, in the order of the model's one-hot columns. */
    public static final String[] CATEGORIES = {"grocery", "restaurant", "fuel", "travel", "electronics", "online"};

    private static final double[] CATEGORY_WEIGHTS = {0.30, 0.20, 0.15, 0.10, 0.10, 0.15};
    private static final long NOVEMBER_2026 =
            Instant.parse("2026-11-01T00:00:00Z").getEpochSecond();

    /** Number of model input columns. */
    public static final int WIDTH = 15;

    private FraudData() {}

    /** One customer's online features, as the feature store holds them. */
    public record Customer(String id, double avgAmount30d, int txnCount24h, int accountAgeDays, int chargebacks1y) {}

    /** One card transaction and whether it was fraud. */
    public record Transaction(
            Customer customer, double amount, String category, long timestamp, boolean cardPresent, boolean fraud) {}

    /** {@code count} customers with ids {@code c-1000}, {@code c-1001}, ... */
    public static List<Customer> customers(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Customer> customers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double avg = Draws.round2(Math.exp(Math.log(55) + 0.7 * Draws.gaussian(random)));
            int txns = Draws.poisson(random, 2.5);
            int age = 3 + (int) (3650 * Math.pow(random.nextDouble(), 1.5));
            int chargebacks = Draws.poisson(random, 0.15);
            customers.add(new Customer("c-" + (1000 + i), avg, txns, age, chargebacks));
        }
        return customers;
    }

    /** {@code count} transactions of the given customers. */
    public static List<Transaction> transactions(List<Customer> customers, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Transaction> transactions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Customer c = customers.get(random.nextInt(customers.size()));
            int category = Draws.pick(random, CATEGORY_WEIGHTS);
            double amount = c.avgAmount30d() * Math.exp(0.6 * Draws.gaussian(random));
            if (random.nextDouble() < 0.1) {
                amount *= 2 + 4 * random.nextDouble();
            }
            amount = Math.max(0.5, Draws.round2(amount));
            double h = random.nextDouble();
            int hour = h < 0.08 ? random.nextInt(6) : h < 0.88 ? 6 + random.nextInt(16) : 22 + random.nextInt(2);
            long timestamp = NOVEMBER_2026 + random.nextInt(30) * 86_400L + hour * 3600L + random.nextInt(3600);
            double presentP = category <= 2 ? 0.65 : category == 3 ? 0.3 : category == 4 ? 0.2 : 0;
            boolean present = random.nextDouble() < presentP;
            double ratio = amount / c.avgAmount30d();
            double z = -6.2
                    + 1.5 * Math.log(ratio)
                    + (hour < 6 ? 1.4 : 0)
                    + (hour >= 22 ? 0.6 : 0)
                    + (category >= 4 ? 1.0 : 0)
                    + (category == 3 ? 0.5 : 0)
                    - (present ? 1.2 : 0)
                    + 0.8 * Math.min(c.chargebacks1y(), 3)
                    + 0.3 * c.txnCount24h()
                    - 0.6 * Math.log(1 + c.accountAgeDays() / 365.0)
                    + (ratio > 3 && !present ? 1.5 : 0);
            boolean fraud = random.nextDouble() < 1 / (1 + Math.exp(-z));
            transactions.add(new Transaction(c, amount, CATEGORIES[category], timestamp, present, fraud));
        }
        return transactions;
    }

    /**
     * The model's input row, exactly as the manifest's feature declarations derive it: log1p(amount),
     * log1p(amount / avg), card present, log1p(txns 24 h), log1p(account age), chargebacks, one-hot of
     * bucket(hour, [6, 22]), one-hot of the merchant category.
     */
    public static double[] features(Transaction t) {
        double[] x = new double[WIDTH];
        Customer c = t.customer();
        x[0] = Math.log1p(t.amount());
        x[1] = Math.log1p(t.amount() / c.avgAmount30d());
        x[2] = t.cardPresent() ? 1 : 0;
        x[3] = Math.log1p(c.txnCount24h());
        x[4] = Math.log1p(c.accountAgeDays());
        x[5] = c.chargebacks1y();
        long hour = Math.floorMod(t.timestamp(), 86_400L) / 3600;
        x[6 + (hour < 6 ? 0 : hour < 22 ? 1 : 2)] = 1;
        for (int k = 0; k < CATEGORIES.length; k++) {
            x[9 + k] = CATEGORIES[k].equals(t.category()) ? 1 : 0;
        }
        return x;
    }
}
