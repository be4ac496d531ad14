package io.inferfn.model;

import java.io.IOException;
import java.io.InputStream;

/** {@code classpath:models/fraud/1}: a model directory packaged inside the function's jar. */
public final class ClasspathModelSource implements ModelSource {

    @Override
    public boolean supports(String location) {
        return location.startsWith("classpath:");
    }

    @Override
    public byte[] read(String location, String fileName) throws IOException {
        String dir = location.substring("classpath:".length());
        while (dir.startsWith("/")) {
            dir = dir.substring(1);
        }
        String resource = dir.endsWith("/") ? dir + fileName : dir + "/" + fileName;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ClasspathModelSource.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelLoadException(fileName + " not found on the classpath at " + resource + " (from "
                        + location + "); package the model directory under src/main/resources");
            }
            return in.readAllBytes();
        }
    }
}
