package io.inferfn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A Linux cgroup (v1 {@code cpu} controller or v2) that caps the CPU time of the processes
 * launched into it, to emulate the fractional vCPU of a small Lambda function on a larger machine.
 */
final class CpuQuota implements AutoCloseable {

    private static final long PERIOD_US = 100_000;

    private final Path group;
    private final boolean v2;

    private CpuQuota(Path group, boolean v2) {
        this.group = group;
        this.v2 = v2;
    }

    /** A new group named {@code name}, or null where cgroups are absent or not writable. */
    static CpuQuota create(String name) {
        Path v1 = Path.of("/sys/fs/cgroup/cpu");
        Path unified = Path.of("/sys/fs/cgroup");
        try {
            if (Files.isRegularFile(v1.resolve("cpu.cfs_quota_us"))) {
                Path group = Files.createDirectories(v1.resolve(name));
                return new CpuQuota(group, false);
            }
            if (Files.isRegularFile(unified.resolve("cgroup.controllers"))
                    && Files.readString(unified.resolve("cgroup.subtree_control"))
                            .contains("cpu")) {
                Path group = Files.createDirectories(unified.resolve(name));
                return new CpuQuota(group, true);
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return null;
    }

    /** Caps the group at {@code cpus} CPUs' worth of time per scheduling period. */
    void limit(double cpus) throws IOException {
        long quota = Math.max(1_000, Math.round(cpus * PERIOD_US));
        if (v2) {
            Files.writeString(group.resolve("cpu.max"), quota + " " + PERIOD_US);
        } else {
            Files.writeString(group.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
            Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
    }

    /** A command prefix that moves the shell into the group, then execs the real command. */
    List<String> launcher() {
        return List.of(
                "sh",
                "-c",
                String.format(Locale.ROOT, "echo $$ > %s && exec \"$@\"", group.resolve("cgroup.procs")),
                "cpu-quota");
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(group); // fails while processes remain; they are stopped by then
        } catch (IOException e) {
            // a leftover empty group is harmless
        }
    }
}
