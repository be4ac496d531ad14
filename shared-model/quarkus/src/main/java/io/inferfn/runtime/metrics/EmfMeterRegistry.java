package io.inferfn.runtime.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.AbstractDistributionSummary;
import io.micrometer.core.instrument.AbstractMeter;
import io.micrometer.core.instrument.AbstractTimer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionCounter;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.internal.DefaultGauge;
import io.micrometer.core.instrument.internal.DefaultLongTaskTimer;
import io.micrometer.core.instrument.internal.DefaultMeter;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * A Micrometer registry that writes CloudWatch Embedded Metric Format lines, for Lambda: CloudWatch Logs turns each
 * line into metrics, with no agent and no PutMetricData call. Nothing runs in the background (Lambda freezes the
 * process between invocations); {@link #flush()}, called at the end of each invocation, writes what changed since
 * the previous flush and nothing at all when nothing changed:
 *
 * <ul>
 *   <li>a counter as its increase ({@code Count});
 *   <li>a timer as {@code <name>.count}, {@code .sum}, {@code .min} and {@code .max} of the samples recorded since
 *       the last flush ({@code Milliseconds}); a distribution summary the same way, without a unit;
 *   <li>a gauge as its current value, when it differs from the value last written.
 * </ul>
 *
 * <p>A meter's tags are its dimensions (at most {@value #MAX_DIMENSIONS}, EMF's limit, the first by name), and a
 * second, rolled-up dimension set leaves out the {@code rollUp} tags (model, version and reason by default; none left is a set of no dimension), so an alarm can
 * watch a function as a whole without naming each model. Meters with the same tags share a line; the serializer
 * (AWS's {@code aws-embedded-metrics}) splits a line at 100 metrics, EMF's limit.
 */
public class EmfMeterRegistry extends MeterRegistry {

    /** EMF: at most 30 dimensions in a dimension set. */
    public static final int MAX_DIMENSIONS = 30;

    /** The MDC key Quarkus' Lambda runtime (and the HTTP filter) put the invocation's request id under. */
    public static final String REQUEST_ID_MDC_KEY = "AWSRequestId";

    private static final Logger LOG = Logger.getLogger(EmfMeterRegistry.class);

    private final String namespace;
    private final Set<String> rollUp;
    private final Consumer<String> out;
    private final Map<Meter.Id, Double> lastGaugeValues = new java.util.HashMap<>();

    /**
     * @param namespace the CloudWatch namespace of every metric
     * @param meterNamePrefix only meters whose name starts with this are written (JVM and HTTP meters Quarkus binds
     *     would otherwise each become a paid custom metric)
     * @param rollUp tags left out of the second dimension set
     * @param out where a line goes ({@code System.out::println} on Lambda: stdout is the function's log stream)
     */
    public EmfMeterRegistry(
            String namespace, String meterNamePrefix, Set<String> rollUp, Clock clock, Consumer<String> out) {
        super(clock);
        this.namespace = namespace;
        this.rollUp = Set.copyOf(rollUp);
        this.out = out;
        config().meterFilter(MeterFilter.denyUnless(id -> id.getName().startsWith(meterNamePrefix)));
    }

    /**
     * Writes one EMF line per tag set for every meter that changed since the last flush, and no line when none did.
     * Returns the number of lines written.
     */
    public synchronized int flush() {
        Map<List<Tag>, MetricsContext> contexts = new LinkedHashMap<>();
        for (Meter meter : getMeters()) {
            try {
                if (meter instanceof EmfCounter c) {
                    counter(contexts, c);
                } else if (meter instanceof EmfTimer t) {
                    timer(contexts, t);
                } else if (meter instanceof EmfSummary d) {
                    summary(contexts, d);
                } else if (meter instanceof TimeGauge g) {
                    gauge(contexts, g, Unit.MILLISECONDS); // in the base time unit
                } else if (meter instanceof Gauge g) {
                    gauge(contexts, g, Unit.NONE);
                } // long task timers, function meters: not written
            } catch (RuntimeException e) {
                // one bad meter (a tag EMF refuses) must not cost the others their line
                LOG.warnf("EMF: meter %s not written: %s", meter.getId().getName(), e.getMessage());
            }
        }
        int lines = 0;
        for (MetricsContext context : contexts.values()) {
            try {
                for (String line : context.serialize()) {
                    out.accept(line);
                    lines++;
                }
            } catch (Exception e) {
                LOG.warnf("EMF: a line could not be written: %s", e.getMessage());
            }
        }
        return lines;
    }

    private void counter(Map<List<Tag>, MetricsContext> contexts, EmfCounter c) {
        double delta = c.drain();
        if (delta != 0) {
            context(contexts, c.getId()).putMetric(c.getId().getName(), delta, Unit.COUNT);
        }
    }

    private void gauge(Map<List<Tag>, MetricsContext> contexts, Gauge gauge, Unit unit) {
        double value = gauge.value();
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return;
        }
        Double last = lastGaugeValues.put(gauge.getId(), value);
        if (last == null || last.doubleValue() != value) {
            context(contexts, gauge.getId()).putMetric(gauge.getId().getName(), value, unit);
        }
    }

    private void timer(Map<List<Tag>, MetricsContext> contexts, EmfTimer t) {
        Window w = t.window.drain();
        if (w != null) {
            put(context(contexts, t.getId()), t.getId().getName(), w, 1e-6, Unit.MILLISECONDS); // ns -> ms
        }
    }

    private void summary(Map<List<Tag>, MetricsContext> contexts, EmfSummary s) {
        Window w = s.window.drain();
        if (w != null) {
            put(context(contexts, s.getId()), s.getId().getName(), w, 1, Unit.NONE);
        }
    }

    private static void put(MetricsContext context, String name, Window w, double scale, Unit unit) {
        context.putMetric(name + ".count", w.count, Unit.COUNT);
        context.putMetric(name + ".sum", w.sum * scale, unit);
        context.putMetric(name + ".min", w.min * scale, unit);
        context.putMetric(name + ".max", w.max * scale, unit);
    }

    private MetricsContext context(Map<List<Tag>, MetricsContext> contexts, Meter.Id id) {
        List<Tag> tags = id.getTags(); // sorted by key
        if (tags.size() > MAX_DIMENSIONS) {
            tags = tags.subList(0, MAX_DIMENSIONS);
        }
        List<Tag> key = tags;
        return contexts.computeIfAbsent(key, k -> newContext(k));
    }

    private MetricsContext newContext(List<Tag> tags) {
        MetricsContext context = new MetricsContext();
        context.setNamespace(namespace);
        DimensionSet all = new DimensionSet();
        DimensionSet rolledUp = new DimensionSet();
        for (Tag tag : tags) {
            String value = tag.getValue().isEmpty() ? "none" : tag.getValue();
            all.addDimension(tag.getKey(), value);
            if (!rollUp.contains(tag.getKey())) {
                rolledUp.addDimension(tag.getKey(), value);
            }
        }
        List<DimensionSet> sets = new ArrayList<>(2);
        sets.add(all);
        if (rolledUp.getDimensionKeys().size() < all.getDimensionKeys().size()) {
            sets.add(rolledUp);
        }
        context.setDimensions(false, sets.toArray(DimensionSet[]::new));
        Object requestId = MDC.get(REQUEST_ID_MDC_KEY);
        if (requestId != null) {
            context.putProperty(REQUEST_ID_MDC_KEY, requestId.toString());
        }
        return context;
    }

    @Override
    protected TimeUnit getBaseTimeUnit() {
        return TimeUnit.MILLISECONDS;
    }

    @Override
    protected DistributionStatisticConfig defaultHistogramConfig() {
        return DistributionStatisticConfig.DEFAULT;
    }

    @Override
    protected Counter newCounter(Meter.Id id) {
        return new EmfCounter(id);
    }

    @Override
    protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
        return new DefaultGauge<>(id, obj, valueFunction);
    }

    @Override
    protected Timer newTimer(
            Meter.Id id, DistributionStatisticConfig distributionStatisticConfig, PauseDetector pauseDetector) {
        return new EmfTimer(id, clock, distributionStatisticConfig, pauseDetector);
    }

    @Override
    protected DistributionSummary newDistributionSummary(
            Meter.Id id, DistributionStatisticConfig distributionStatisticConfig, double scale) {
        return new EmfSummary(id, clock, distributionStatisticConfig, scale);
    }

    @Override
    protected LongTaskTimer newLongTaskTimer(Meter.Id id, DistributionStatisticConfig distributionStatisticConfig) {
        return new DefaultLongTaskTimer(id, clock, getBaseTimeUnit(), distributionStatisticConfig, false);
    }

    @Override
    protected <T> FunctionTimer newFunctionTimer(
            Meter.Id id,
            T obj,
            ToLongFunction<T> countFunction,
            ToDoubleFunction<T> totalTimeFunction,
            TimeUnit totalTimeFunctionUnit) {
        return new CumulativeFunctionTimer<>(
                id, obj, countFunction, totalTimeFunction, totalTimeFunctionUnit, getBaseTimeUnit());
    }

    @Override
    protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
        return new CumulativeFunctionCounter<>(id, obj, countFunction);
    }

    @Override
    protected Meter newMeter(Meter.Id id, Meter.Type type, Iterable<Measurement> measurements) {
        return new DefaultMeter(id, type, measurements);
    }

    /** A counter that also knows its increase since the last {@link #drain()}. */
    static final class EmfCounter extends AbstractMeter implements Counter {
        private final java.util.concurrent.atomic.DoubleAdder total = new java.util.concurrent.atomic.DoubleAdder();
        private double drained;

        EmfCounter(Meter.Id id) {
            super(id);
        }

        @Override
        public void increment(double amount) {
            total.add(amount);
        }

        @Override
        public double count() {
            return total.sum();
        }

        synchronized double drain() {
            double now = total.sum();
            double delta = now - drained;
            drained = now;
            return delta;
        }
    }

    /** Count, sum, min and max of the samples recorded since the last flush. */
    record Window(long count, double sum, double min, double max) {}

    /** The running window; recording takes a short lock (one invocation at a time on Lambda: uncontended). */
    static final class WindowRecorder {
        private long count;
        private double sum;
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;

        synchronized void record(double value) {
            count++;
            sum += value;
            if (value < min) {
                min = value;
            }
            if (value > max) {
                max = value;
            }
        }

        /** The window so far (null when empty), and a new empty one. */
        synchronized Window drain() {
            if (count == 0) {
                return null;
            }
            Window w = new Window(count, sum, min, max);
            count = 0;
            sum = 0;
            min = Double.POSITIVE_INFINITY;
            max = Double.NEGATIVE_INFINITY;
            return w;
        }
    }

    static final class EmfTimer extends AbstractTimer {
        final WindowRecorder window = new WindowRecorder();
        private final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder totalNanos = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAccumulator maxNanos =
                new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);

        EmfTimer(Meter.Id id, Clock clock, DistributionStatisticConfig config, PauseDetector pauseDetector) {
            super(id, clock, config, pauseDetector, TimeUnit.MILLISECONDS, false);
        }

        @Override
        protected void recordNonNegative(long amount, TimeUnit unit) {
            long nanos = unit.toNanos(amount);
            count.increment();
            totalNanos.add(nanos);
            maxNanos.accumulate(nanos);
            window.record(nanos);
        }

        @Override
        public long count() {
            return count.sum();
        }

        @Override
        public double totalTime(TimeUnit unit) {
            return totalNanos.sum() / (double) unit.toNanos(1);
        }

        @Override
        public double max(TimeUnit unit) {
            return maxNanos.get() / (double) unit.toNanos(1);
        }
    }

    static final class EmfSummary extends AbstractDistributionSummary {
        final WindowRecorder window = new WindowRecorder();
        private final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder total = new java.util.concurrent.atomic.DoubleAdder();
        private final java.util.concurrent.atomic.DoubleAccumulator max =
                new java.util.concurrent.atomic.DoubleAccumulator(Math::max, 0);

        EmfSummary(Meter.Id id, Clock clock, DistributionStatisticConfig config, double scale) {
            super(id, clock, config, scale, false);
        }

        @Override
        protected void recordNonNegative(double amount) {
            count.increment();
            total.add(amount);
            max.accumulate(amount);
            window.record(amount);
        }

        @Override
        public long count() {
            return count.sum();
        }

        @Override
        public double totalAmount() {
            return total.sum();
        }

        @Override
        public double max() {
            return max.get();
        }
    }
}
