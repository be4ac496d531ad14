package io.inferfn.cli;

import java.util.Locale;
import java.util.SplittableRandom;

/** The demo's sample requests: the fraud model, and the chain that feeds its output to review-priority. */
enum Samples {
    EVERYDAY(
            "an everyday card-present grocery purchase",
            """
            {"model":"fraud","entityId":"c-1000","features":{"amount":42.10,"merchant_category":"grocery",\
            "timestamp":"2026-11-23T12:05:00Z","card_present":true}}"""),
    SUSPICIOUS(
            "950.00 online at 03:12, card not present",
            """
            {"model":"fraud","entityId":"c-1042","features":{"amount":950.00,"merchant_category":"online",\
            "timestamp":"2026-11-23T03:12:00Z","card_present":false}}"""),
    CHAINED(
            "the same transaction through the chain fraud -> review-priority (both models, one Redis round trip)",
            """
            {"model":"review-priority","entityId":"c-1042","features":{"amount":950.00,"merchant_category":\
            "online","timestamp":"2026-11-23T03:12:00Z","card_present":false}}"""),
    NEW_CUSTOMER(
            "a customer the feature store has never seen (defaults, degraded)",
            """
            {"model":"fraud","entityId":"c-new-7","features":{"amount":60.00,"merchant_category":"travel",\
            "timestamp":"2026-11-23T09:30:00Z"}}"""),
    BATCH(
            "a batch of three rows in one Redis round trip and one ORT call",
            """
            {"model":"fraud","rows":[{"entityId":"c-1001","features":{"amount":12.5,"merchant_category":"restaurant",\
            "timestamp":1795435200,"card_present":true}},{"entityId":"c-1002","features":{"amount":480,\
            "merchant_category":"electronics","timestamp":1795410000}},{"entityId":"c-1003","features":\
            {"amount":31.9,"merchant_category":"fuel","timestamp":1795446000,"card_present":true}}]}"""),
    BAD_REQUEST(
            "a malformed feature (400 that says what was expected)",
            """
            {"model":"fraud","entityId":"c-1000","features":{"amount":"lots","timestamp":"2026-11-23T12:05:00Z"}}""");

    private static final String[] CATEGORIES = {"grocery", "restaurant", "fuel", "travel", "electronics", "online"};

    private final String title;
    private final String body;

    Samples(String title, String body) {
        this.title = title;
        this.body = body;
    }

    String title() {
        return title;
    }

    String body() {
        return body;
    }

    /** A random but valid request against one of the 5,000 demo customers. */
    static String random(SplittableRandom random) {
        return String.format(
                Locale.ROOT,
                "{\"entityId\":\"c-%d\",\"features\":{\"amount\":%.2f,\"merchant_category\":\"%s\","
                        + "\"timestamp\":%d,\"card_present\":%b}}",
                1000 + random.nextInt(5000),
                1 + random.nextDouble() * 400,
                CATEGORIES[random.nextInt(CATEGORIES.length)],
                1795392000L + random.nextInt(86_400),
                random.nextBoolean());
    }
}
