package io.inferfn.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code file:/abs/dir} or {@code file:relative/dir}: a model directory on the local disk. */
public final class FileModelSource implements ModelSource {

    @Override
    public boolean supports(String location) {
        return location.startsWith("file:");
    }

    @Override
    public byte[] read(String location, String fileName) throws IOException {
        Path dir = directory(location);
        try {
            return Files.readAllBytes(dir.resolve(fileName));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(fileName + " not found in " + dir.toAbsolutePath() + " (from " + location
                    + "); a model directory holds manifest.json and model.onnx");
        }
    }

    @Override
    public String describe(String location, String fileName) {
        return "file:" + directory(location).toAbsolutePath().resolve(fileName);
    }

    private static Path directory(String location) {
        String path = location.substring("file:".length());
        if (path.startsWith("//")) {
            path = path.substring(2); // file:///abs -> /abs
        }
        return Path.of(path);
    }
}
