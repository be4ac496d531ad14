package io.inferfn.cli;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * What else used the machine while a benchmark ran. Every second it reads the machine's busy CPU time and that of the
 * bench's own process tree (this JVM and everything it started: the function, the peer, Redis); the difference is
 * the CPU other processes took. A benchmark on a shared machine reports it beside its tables, so a run disturbed by a
 * build or another benchmark says so instead of passing for a result.
 */
final class MachineLoad implements AutoCloseable {

    /** Above this average share of one core taken by others, a run is called disturbed. */
    static final double DISTURBED_CORES = 0.15;

    private final CentralProcessor cpu;
    private final OperatingSystem os;
    private final ScheduledExecutorService sampler;
    private final double loadAtStart;
    private final long startNanos = System.nanoTime();
    private long[] lastTicks;
    private final Map<Long, Long> lastOurs = new HashMap<>();
    private long othersMillis;
    private double worstSecond;

    private MachineLoad() {
        SystemInfo system = new SystemInfo();
        cpu = system.getHardware().getProcessor();
        os = system.getOperatingSystem();
        loadAtStart = cpu.getSystemLoadAverage(1)[0];
        lastTicks = cpu.getSystemCpuLoadTicks();
        oursDelta();
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "machine-load");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts recording; close it (or call {@link #summary()}) when the measured part ends. */
    static MachineLoad start() {
        return new MachineLoad();
    }

    private synchronized void sample() {
        long[] ticks = cpu.getSystemCpuLoadTicks();
        long busy = busy(ticks) - busy(lastTicks);
        lastTicks = ticks;
        long others = Math.max(0, busy - oursDelta());
        othersMillis += others;
        worstSecond = Math.max(worstSecond, others / 1000.0);
    }

    /** CPU milliseconds the bench's own process tree used since the last call (a process that ended is dropped). */
    private long oursDelta() {
        long delta = 0;
        Map<Long, Long> now = cpuMillisByProcess();
        for (var e : now.entrySet()) {
            delta += e.getValue() - lastOurs.getOrDefault(e.getKey(), 0L);
        }
        lastOurs.clear();
        lastOurs.putAll(now);
        return delta;
    }

    /**
     * CPU milliseconds each process of the bench's tree (this JVM and everything it started) has used since it
     * started, by pid.
     */
    Map<Long, Long> cpuMillisByProcess() {
        Map<Long, Long> used = new HashMap<>();
        ProcessHandle self = ProcessHandle.current();
        for (ProcessHandle p : (Iterable<ProcessHandle>)
                java.util.stream.Stream.concat(java.util.stream.Stream.of(self), self.descendants())::iterator) {
            OSProcess process = os.getProcess((int) p.pid());
            if (process != null) {
                used.put(p.pid(), process.getUserTime() + process.getKernelTime());
            }
        }
        return used;
    }

    private static long busy(long[] ticks) {
        long all = 0;
        for (long t : ticks) {
            all += t;
        }
        return all - ticks[TickType.IDLE.getIndex()] - ticks[TickType.IOWAIT.getIndex()];
    }

    /** Average cores other processes used so far. */
    synchronized double othersCores() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return seconds < 1 ? 0 : othersMillis / 1000.0 / seconds;
    }

    /** One Markdown line: load averages, what others used, and a warning when that disturbed the run. */
    synchronized String summary() {
        double others = othersCores();
        String line = String.format(
                Locale.ROOT,
                "- The machine during this run: load average %.2f at the start, %.2f at the end; other processes used"
                        + " %.2f cores on average (%.2f in the worst second) of %d.",
                loadAtStart,
                cpu.getSystemLoadAverage(1)[0],
                others,
                worstSecond,
                cpu.getLogicalProcessorCount());
        if (others > DISTURBED_CORES) {
            line += " **Disturbed**: compare ratios within this run only, or run again on a quiet machine.";
        }
        return line + "\n";
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
