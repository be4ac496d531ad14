package io.inferfn.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the weights of a model are stored. */
public enum Quantization {
    FP32("fp32"),
    INT8("int8");

    private final String json;

    Quantization(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    @JsonCreator
    public static Quantization of(String value) {
        for (Quantization q : values()) {
            if (q.json.equalsIgnoreCase(value)) {
                return q;
            }
        }
        throw new IllegalArgumentException("quantization must be one of fp32, int8; got '" + value + "'");
    }
}
