package io.inferfn.text;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.inferfn.model.ModelLoadException;
import io.inferfn.model.TextTokenizer;

/**
 * Text models' tokenizers from a Hugging Face {@code tokenizer.json}, run by the Hugging Face tokenizers library
 * (Rust) through DJL's JNI binding, whose jar carries the native library for linux x86_64 and aarch64. The
 * library's tokenizer is safe to share between threads; special tokens are added, padding is off (a call pads to
 * its own longest text), and truncation and the maximum length are the manifest's, whatever the file says.
 */
public final class HuggingFaceTokenizers implements TextTokenizer.Provider {

    @Override
    public TextTokenizer load(byte[] tokenizerJson, int maxLength, boolean truncate, String origin) {
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson),
                    Map.of(
                            "addSpecialTokens",
                            "true",
                            "padding",
                            "false",
                            "truncation",
                            Boolean.toString(truncate),
                            "maxLength",
                            Integer.toString(maxLength)));
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(
                    "cannot load the tokenizer " + origin + ": " + e.getMessage()
                            + " (expected a Hugging Face tokenizer.json, as tokenizer.save() writes one)",
                    e);
        }
        return new Loaded(tokenizer);
    }

    /** One model's tokenizer. */
    private record Loaded(HuggingFaceTokenizer tokenizer) implements TextTokenizer {

        @Override
        public List<Encoded> encode(List<String> texts) {
            Encoding[] encodings =
                    texts.size() == 1 ? new Encoding[] {tokenizer.encode(texts.get(0))} : tokenizer.batchEncode(texts);
            List<Encoded> encoded = new ArrayList<>(encodings.length);
            for (Encoding e : encodings) {
                encoded.add(new Encoded(e.getIds(), e.getTypeIds(), e.exceedMaxLength()));
            }
            return encoded;
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }
}
