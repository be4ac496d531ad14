package io.inferfn.models;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic subscription customers for the demo churn model, with a known churn process.
 *
 * <ul>
 *   <li>16 account attributes a warehouse table holds (tenure, charges, contract, payment method,
 *       products, support calls, late payments, age, ...) and 4 product-usage signals an online
 *       store keeps fresh (logins and app minutes in 30 days, days since the last login,
 *       complaints in 30 days).
 *   <li><b>Churn</b> ~ Bernoulli(sigmoid(z)) with z = -1.4 - 0.035·min(tenure, 60) + 0.012·(monthly
 *       - 65) + 1.1·[month-to-month] - 0.9·[two-year] + 0.45·[electronic check] + 0.25·paperless
 *       + 0.3·support calls + 0.35·late payments - 0.35·autopay - 0.2·(products - 1) + 0.5·[fiber]
 *       - 0.3·partner + 0.45·ln(1 + days since login) - 0.25·ln(1 + logins) + 0.6·min(complaints,
 *       3) - 0.03·discount: about a quarter of customers.
 * </ul>
 *
 * Drawn from {@link SplittableRandom} with fixed seeds: a run reproduces the same customers.
 */
public final class ChurnData {

    public static final String[] CONTRACTS = {"month_to_month", "one_year", "two_year"};
    public static final String[] PAYMENT_METHODS = {"electronic_check", "mailed_check", "bank_transfer", "card"};
    public static final String[] INTERNET = {"none", "dsl", "fiber"};

    /** Number of model input columns. */
    public static final int WIDTH = 27;

    private ChurnData() {}

    /** One customer: the table's columns, the online store's, and whether they churned. */
    public record Customer(
            String id,
            int tenureMonths,
            double monthlyCharges,
            double totalCharges,
            String contract,
            String paymentMethod,
            boolean paperlessBilling,
            int numProducts,
            int supportCalls90d,
            int latePayments12m,
            int age,
            boolean hasPartner,
            String internetService,
            int discountPct,
            int dependents,
            boolean autopay,
            int daysSincePlanChange,
            int logins30d,
            int daysSinceLastLogin,
            int appMinutes30d,
            int complaints30d,
            boolean churned) {}

    /** Customer ids: {@code cust-0000001}, ... */
    public static String id(long n) {
        return String.format("cust-%07d", n);
    }

    /** {@code count} customers numbered from {@code first}. */
    public static List<Customer> customers(long first, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Customer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(customer(id(first + i), random));
        }
        return out;
    }

    /** One customer drawn from {@code random}. */
    public static Customer customer(String id, SplittableRandom random) {
        int tenure = (int) Math.min(72, Math.floor(72 * Math.pow(random.nextDouble(), 1.3)));
        int internet = Draws.pick(random, 0.2, 0.35, 0.45);
        double monthly =
                Draws.round2(Math.max(18, 20 + 25 * internet + 12 * Draws.gaussian(random) + 10 * random.nextDouble()));
        double total = Draws.round2(Math.max(0, tenure * monthly * (0.9 + 0.2 * random.nextDouble())));
        int contract = Draws.pick(random, 0.55, 0.25, 0.2);
        int payment = Draws.pick(random, 0.35, 0.2, 0.22, 0.23);
        boolean paperless = random.nextDouble() < 0.6;
        int products = 1 + Draws.poisson(random, 1.1);
        int support = Draws.poisson(random, 1.2);
        int late = Draws.poisson(random, contract == 0 ? 0.9 : 0.3);
        int age = 18 + (int) Math.min(67, Math.abs(22 * Draws.gaussian(random) + 22));
        boolean partner = random.nextDouble() < 0.5;
        int[] discounts = {0, 0, 0, 5, 10, 15, 20};
        int discount = discounts[random.nextInt(discounts.length)];
        int dependents = Draws.poisson(random, 0.7);
        boolean autopay = payment >= 2 ? random.nextDouble() < 0.7 : random.nextDouble() < 0.15;
        int planChange = random.nextInt(1000);
        double engagement = Math.exp(0.8 * Draws.gaussian(random));
        int logins = Draws.poisson(random, 12 * engagement);
        int lastLogin = logins > 0
                ? Math.min(30, (int) (30.0 / (logins + 1) * random.nextDouble() * 2))
                : 30 + random.nextInt(60);
        int minutes = (int) Math.round(logins * 6 * Math.exp(0.5 * Draws.gaussian(random)));
        int complaints = Draws.poisson(random, 0.2 + 0.1 * support);
        double z = -1.4
                - 0.035 * Math.min(tenure, 60)
                + 0.012 * (monthly - 65)
                + (contract == 0 ? 1.1 : 0)
                - (contract == 2 ? 0.9 : 0)
                + (payment == 0 ? 0.45 : 0)
                + (paperless ? 0.25 : 0)
                + 0.3 * support
                + 0.35 * late
                - (autopay ? 0.35 : 0)
                - 0.2 * (products - 1)
                + (internet == 2 ? 0.5 : 0)
                - (partner ? 0.3 : 0)
                + 0.45 * Math.log1p(lastLogin)
                - 0.25 * Math.log1p(logins)
                + 0.6 * Math.min(complaints, 3)
                - 0.03 * discount;
        boolean churned = random.nextDouble() < 1 / (1 + Math.exp(-z));
        return new Customer(
                id,
                tenure,
                monthly,
                total,
                CONTRACTS[contract],
                PAYMENT_METHODS[payment],
                paperless,
                products,
                support,
                late,
                age,
                partner,
                INTERNET[internet],
                discount,
                dependents,
                autopay,
                planChange,
                logins,
                lastLogin,
                minutes,
                complaints,
                churned);
    }

    /**
     * The model's input row, exactly as the manifest's feature declarations derive it. Numbers and
     * heavy-tailed counts enter as log1p: one int8 scale covers the whole standardised input (static
     * per-tensor quantization), and a rare customer with 9 complaints would otherwise stretch it.
     */
    public static double[] features(Customer c) {
        double[] x = new double[WIDTH];
        x[0] = Math.log1p(c.tenureMonths());
        x[1] = Math.log1p(c.monthlyCharges());
        x[2] = Math.log1p(c.totalCharges());
        oneHot(x, 3, CONTRACTS, c.contract());
        oneHot(x, 6, PAYMENT_METHODS, c.paymentMethod());
        x[10] = c.paperlessBilling() ? 1 : 0;
        x[11] = Math.log1p(c.numProducts());
        x[12] = Math.log1p(c.supportCalls90d());
        x[13] = Math.log1p(c.latePayments12m());
        x[14] = Math.log1p(c.age());
        x[15] = c.hasPartner() ? 1 : 0;
        oneHot(x, 16, INTERNET, c.internetService());
        x[19] = Math.log1p(c.discountPct());
        x[20] = Math.log1p(c.dependents());
        x[21] = c.autopay() ? 1 : 0;
        x[22] = Math.log1p(c.daysSincePlanChange());
        x[23] = Math.log1p(c.logins30d());
        x[24] = Math.log1p(c.daysSinceLastLogin());
        x[25] = Math.log1p(c.appMinutes30d());
        x[26] = Math.log1p(c.complaints30d());
        return x;
    }

    private static void oneHot(double[] x, int at, String[] categories, String value) {
        for (int k = 0; k < categories.length; k++) {
            x[at + k] = categories[k].equals(value) ? 1 : 0;
        }
    }
}
