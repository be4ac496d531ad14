package io.inferfn.model;

import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A text model's tokenizer: text in, token ids out (special tokens included), one instance per model, loaded at
 * cold start and used by any number of threads at once. The implementation comes from an optional module found by
 * {@link ServiceLoader} ({@code inferfn-text}: Hugging Face tokenizers), so that functions which serve no text model
 * do not carry it.
 */
public interface TextTokenizer extends AutoCloseable {

    /**
     * Tokenizes {@code texts}, each cut to the tokenizer's {@code maxLength} when it truncates.
     *
     * @return per text: its token ids, its token type ids (zeros for a single segment), and whether it was cut
     */
    List<Encoded> encode(List<String> texts);

    /**
     * One text's tokens.
     *
     * @param ids the token ids, special tokens included
     * @param typeIds the segment of each token (all 0 for one text)
     * @param truncated whether tokens were cut off to fit the maximum length
     */
    record Encoded(long[] ids, long[] typeIds, boolean truncated) {}

    @Override
    void close();

    /** Loads tokenizers from their files; found by {@link ServiceLoader}. */
    interface Provider {
        /**
         * @param tokenizerJson the bytes of a Hugging Face {@code tokenizer.json}
         * @param maxLength most tokens per text, special tokens included
         * @param truncate whether a longer text is cut to {@code maxLength}; if not, it is encoded whole (and the caller
         *     refuses it)
         * @param origin the file, for error messages
         * @throws ModelLoadException when the file is not a tokenizer this provider reads
         */
        TextTokenizer load(byte[] tokenizerJson, int maxLength, boolean truncate, String origin);
    }

    /**
     * The provider on the classpath.
     *
     * @param model the model that needs it, for the message when none is there
     * @throws ModelLoadException when no module provides one
     */
    static Provider provider(String model) {
        Iterator<Provider> found = ServiceLoader.load(Provider.class).iterator();
        if (!found.hasNext()) {
            throw new ModelLoadException(model + " is a text model (its manifest has a 'text' section) and this"
                    + " function has no tokenizer: add inferfn-text to the build (io.inferfn:inferfn-text; the container"
                    + " builds of http-predict, event-score and batch-score include it, their Lambda builds (-Plambda)"
                    + " leave it out to stay under Lambda's 50 MB: run text models in the container build; the Spark"
                    + " job does not score text models yet)");
        }
        return found.next();
    }
}
