package io.inferfn.batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files of a file sink: {@code <name>[-shard-i-of-n].<ext>} and its {@code .rejects.<ext>},
 * written as per-attempt {@code .part} files beside them (two attempts of one shard never write
 * into each other's) and renamed into place at commit, so a reader never sees half a run and a
 * rerun replaces the earlier files.
 */
final class PartFiles {

    final Path target;
    final Path rejectsTarget;
    final Path part;
    final Path rejectsPart;

    PartFiles(Path file, String extension, RunSpec run) throws IOException {
        String name = file.getFileName().toString();
        String base = name.endsWith(extension) ? name.substring(0, name.length() - extension.length()) : name;
        if (run.shardCount() > 1) {
            base = base + "-shard-" + run.shardIndex() + "-of-" + run.shardCount();
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        target = dir.resolve(base + extension);
        rejectsTarget = dir.resolve(base + ".rejects" + extension);
        part = Files.createTempFile(dir, base + extension + ".", ".part");
        rejectsPart = Files.createTempFile(dir, base + ".rejects" + extension + ".", ".part");
    }

    /** Renames both files into place: rejects first, so whoever sees the new predictions sees their rejects. */
    void commit() throws IOException {
        Files.move(rejectsPart, rejectsTarget, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Drops what an attempt left uncommitted (nothing after {@link #commit()}). */
    void discard() throws IOException {
        Files.deleteIfExists(part);
        Files.deleteIfExists(rejectsPart);
    }
}
