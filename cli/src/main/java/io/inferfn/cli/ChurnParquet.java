package io.inferfn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import com.jerolba.carpet.CarpetWriter;
import com.jerolba.carpet.ColumnNamingStrategy;
import com.jerolba.carpet.annotation.Alias;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

import io.inferfn.models.ChurnData;

/**
 * Generated customers as one Parquet file with all 20 churn features (the nightly job's shape: a
 * warehouse extract that already joined the online columns), written with Carpet; the same rows,
 * seed and order as {@link ChurnTable#generate}.
 */
final class ChurnParquet {

    private ChurnParquet() {}

    /**
     * A customer row; Carpet names the columns in snake case, as the churn manifest names its features
     * (digits after a word need an alias: {@code support_calls_90d}).
     */
    record Row(
            String customerId,
            int tenureMonths,
            double monthlyCharges,
            double totalCharges,
            String contract,
            String paymentMethod,
            boolean paperlessBilling,
            int numProducts,
            @Alias("support_calls_90d") int supportCalls90d,
            @Alias("late_payments_12m") int latePayments12m,
            int age,
            boolean hasPartner,
            String internetService,
            int discountPct,
            int dependents,
            boolean autopay,
            int daysSincePlanChange,
            @Alias("logins_30d") int logins30d,
            int daysSinceLastLogin,
            @Alias("app_minutes_30d") int appMinutes30d,
            @Alias("complaints_30d") int complaints30d) {}

    /** Writes {@code rows} customers to {@code file} (replaced), Snappy, 128 MB row groups. */
    static void write(Path file, long rows) throws IOException {
        Files.deleteIfExists(file);
        Files.createDirectories(file.toAbsolutePath().getParent());
        SplittableRandom random = new SplittableRandom(2026);
        try (CarpetWriter<Row> writer = new CarpetWriter.Builder<>(new LocalOutputFile(file), Row.class)
                .withColumnNamingStrategy(ColumnNamingStrategy.SNAKE_CASE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (long i = 1; i <= rows; i++) {
                ChurnData.Customer c = ChurnData.customer(ChurnData.id(i), random);
                writer.write(new Row(
                        c.id(),
                        c.tenureMonths(),
                        Math.round(c.monthlyCharges() * 100) / 100.0,
                        Math.round(c.totalCharges() * 100) / 100.0,
                        c.contract(),
                        c.paymentMethod(),
                        c.paperlessBilling(),
                        c.numProducts(),
                        c.supportCalls90d(),
                        c.latePayments12m(),
                        c.age(),
                        c.hasPartner(),
                        c.internetService(),
                        c.discountPct(),
                        c.dependents(),
                        c.autopay(),
                        c.daysSincePlanChange(),
                        c.logins30d(),
                        c.daysSinceLastLogin(),
                        c.appMinutes30d(),
                        c.complaints30d()));
            }
        }
    }
}
