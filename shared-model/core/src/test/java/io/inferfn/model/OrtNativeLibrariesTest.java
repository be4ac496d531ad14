package io.inferfn.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrtNativeLibrariesTest {

    @TempDir
    Path dir;

    private String saved;

    @BeforeEach
    void clear() {
        saved = System.clearProperty(OrtNativeLibraries.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(OrtNativeLibraries.PROPERTY);
        } else {
            System.setProperty(OrtNativeLibraries.PROPERTY, saved);
        }
    }

    @Test
    void lambdaZipWithShippedLibrariesIsUsed() throws Exception {
        Path shipped = Files.createDirectories(dir.resolve("onnxruntime"));
        Files.writeString(shipped.resolve("libonnxruntime.so"), "x");
        Files.writeString(shipped.resolve("libonnxruntime4j_jni.so"), "x");

        assertThat(OrtNativeLibraries.select(Optional.empty(), dir.toString())).contains(shipped);
        assertThat(System.getProperty(OrtNativeLibraries.PROPERTY)).isEqualTo(shipped.toString());
    }

    @Test
    void withoutShippedLibrariesOrtExtractsFromItsJar() throws Exception {
        Files.createDirectories(dir.resolve("onnxruntime"));
        Files.writeString(dir.resolve("onnxruntime/libonnxruntime.so"), "x"); // the JNI library is missing

        assertThat(OrtNativeLibraries.select(Optional.empty(), dir.toString())).isEmpty();
        assertThat(OrtNativeLibraries.select(Optional.empty(), null)).isEmpty();
        assertThat(System.getProperty(OrtNativeLibraries.PROPERTY)).isNull();
    }

    @Test
    void configuredDirectoryWithoutLibrariesFailsTheStartSayingWhatIsMissing() {
        assertThatThrownBy(() -> OrtNativeLibraries.select(Optional.of(dir.toString()), null))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("inferfn.model.onnx.native-path=" + dir)
                .hasMessageContaining("has no libonnxruntime.so");
        assertThat(System.getProperty(OrtNativeLibraries.PROPERTY)).isNull();
    }

    @Test
    void jvmPropertyWins() {
        System.setProperty(OrtNativeLibraries.PROPERTY, "/opt/ort");

        assertThat(OrtNativeLibraries.select(Optional.of("/elsewhere"), dir.toString()))
                .contains(Path.of("/opt/ort"));
    }
}
