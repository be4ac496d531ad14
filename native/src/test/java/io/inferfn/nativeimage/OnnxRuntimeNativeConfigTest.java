package io.inferfn.nativeimage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The native-image configuration is complete by construction: every Java class that ONNX Runtime's
 * JNI library names (in FindClass strings and method signatures) is registered for JNI, every
 * registered class exists, and the Linux native libraries are included as resources. A new ORT
 * version that looks up another class fails this test instead of a native Lambda at run time.
 */
class OnnxRuntimeNativeConfigTest {

    static final String CONFIG = "META-INF/native-image/io.inferfn/onnxruntime/";
    static final Pattern CLASS_NAME = Pattern.compile("(?:^|L)((?:ai/onnxruntime|java)/[A-Za-z0-9_/$]+)");

    @ParameterizedTest
    @ValueSource(strings = {"linux-x64", "linux-aarch64"})
    void everyClassTheJniLibraryLooksUpIsRegistered(String platform) throws IOException {
        Set<String> lookedUp = classNamesIn(resource("ai/onnxruntime/native/" + platform + "/libonnxruntime4j_jni.so"));
        assertThat(lookedUp).as("classes named by the JNI library").contains("ai.onnxruntime.OnnxTensor");
        assertThat(registered()).containsAll(lookedUp);
    }

    @Test
    void everyRegisteredClassExists() throws Exception {
        for (String name : registered()) {
            assertThat(Class.forName(name, false, getClass().getClassLoader())).isNotNull();
        }
    }

    @Test
    void theLinuxNativeLibrariesAreIncludedAsResources() throws IOException {
        JsonNode config = new ObjectMapper().readTree(resource(CONFIG + "resource-config.json"));
        List<Pattern> includes = new ArrayList<>();
        config.path("resources")
                .path("includes")
                .forEach(i -> includes.add(Pattern.compile(i.get("pattern").asText())));
        for (String platform : List.of("linux-x64", "linux-aarch64")) {
            for (String lib : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
                String path = "ai/onnxruntime/native/" + platform + "/" + lib;
                assertThat(resource(path)).as(path + " is in the ORT jar").isNotEmpty();
                assertThat(includes.stream().anyMatch(p -> p.matcher(path).matches()))
                        .as(path + " included")
                        .isTrue();
            }
        }
    }

    @Test
    void onnxRuntimeIsInitializedAtRunTime() throws IOException {
        String properties = new String(resource(CONFIG + "native-image.properties"));
        assertThat(properties).contains("--initialize-at-run-time=ai.onnxruntime,io.inferfn.model.OnnxModel");
    }

    static Set<String> registered() throws IOException {
        Set<String> names = new TreeSet<>();
        new ObjectMapper()
                .readTree(resource(CONFIG + "jni-config.json"))
                .forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    /** Class names in the printable strings of a binary, as the {@code strings} tool would find them. */
    static Set<String> classNamesIn(byte[] binary) {
        Set<String> names = new TreeSet<>();
        StringBuilder run = new StringBuilder();
        for (byte b : binary) {
            if (b >= 0x20 && b < 0x7f) {
                run.append((char) b);
                continue;
            }
            if (run.length() >= 4) {
                Matcher m = CLASS_NAME.matcher(run);
                while (m.find()) {
                    names.add(m.group(1).replace('/', '.'));
                }
            }
            run.setLength(0);
        }
        return names;
    }

    static byte[] resource(String path) throws IOException {
        try (InputStream in = OnnxRuntimeNativeConfigTest.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }
}
