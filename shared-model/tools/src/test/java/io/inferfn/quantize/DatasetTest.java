package io.inferfn.quantize;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetTest {

    @TempDir
    Path dir;

    @Test
    void readsRowsInHeaderOrderAndTheLabelColumnApart() throws Exception {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,label,\"b\"\n1.5,1,2\n\n-3,0,\"4.25\"\n");
        Dataset data = Dataset.readCsv(csv);
        assertThat(data.rows()).isDeepEqualTo(new float[][] {{1.5f, 2f}, {-3f, 4.25f}});
        assertThat(data.labels()).containsExactly(true, false);
    }

    @Test
    void aBadCellNamesItsLineAndColumn() throws Exception {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,b\n1,2\n3,x\n");
        assertThatThrownBy(() -> Dataset.readCsv(csv))
                .isInstanceOf(QuantizeException.class)
                .hasMessage(csv + " line 3 column 'b': 'x' is not a finite number");
        Path ragged = Files.writeString(dir.resolve("r.csv"), "a,b\n1,2\n3\n");
        assertThatThrownBy(() -> Dataset.readCsv(ragged)).hasMessage(ragged + " line 3: 1 cells; the header has 2");
    }

    @Test
    void anEmptyFileOrAHeaderAloneSaysWhatIsExpected() throws Exception {
        Path empty = Files.writeString(dir.resolve("e.csv"), "");
        assertThatThrownBy(() -> Dataset.readCsv(empty)).hasMessageContaining("expected a header and numeric rows");
        Path header = Files.writeString(dir.resolve("h.csv"), "a,b\n");
        assertThatThrownBy(() -> Dataset.readCsv(header)).hasMessageContaining("has a header but no rows");
    }
}
