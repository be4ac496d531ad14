package io.inferfn.quantize;

/** A model the quantizer refuses, with what and where: nothing is written. */
public final class QuantizeException extends RuntimeException {

    public QuantizeException(String message) {
        super(message);
    }

    public QuantizeException(String message, Throwable cause) {
        super(message, cause);
    }
}
