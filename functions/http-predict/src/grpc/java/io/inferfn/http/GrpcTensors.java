package io.inferfn.http;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.google.protobuf.ByteString;

import io.inferfn.http.InferenceProtocolBodies.Floats;
import io.inferfn.http.InferenceProtocolBodies.InferRequest;
import io.inferfn.http.InferenceProtocolBodies.InferResponse;
import io.inferfn.http.InferenceProtocolBodies.Numbers;
import io.inferfn.http.InferenceProtocolBodies.RequestInput;
import io.inferfn.http.InferenceProtocolBodies.RequestOutput;
import io.inferfn.http.InferenceProtocolBodies.ResponseOutput;
import io.inferfn.http.InferenceProtocolBodies.TensorData;
import io.inferfn.http.InferenceProtocolBodies.Values;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Between the protocol's gRPC messages and the REST bodies {@link InferenceProtocol} checks and scores: a {@code
 * ModelInferRequest}'s tensors, typed ({@code contents}) or raw ({@code raw_input_contents}: flat row-major
 * little-endian values, BYTES elements each a 4-byte little-endian length and its bytes), become {@link
 * RequestInput}s; the answer goes back raw when the request came raw, typed otherwise. The values a tensor holds
 * are counted against its shape here, in the gRPC message's own terms; everything else (names, shapes,
 * datatypes, modes) is checked by {@link InferenceProtocol}, as for {@code /v2} REST.
 */
final class GrpcTensors {

    private GrpcTensors() {}

    /** The REST body of {@code request}; its {@code parameters} are echoed by the caller, not read. */
    static InferRequest request(ModelInferRequest request) {
        int count = request.getInputsCount();
        int raw = request.getRawInputContentsCount();
        if (raw > 0 && raw != count) {
            throw new InvalidRequestException("raw_input_contents has " + raw + " entries and inputs " + count
                    + ": one entry per input, in the order of inputs");
        }
        List<RequestInput> inputs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ModelInferRequest.InferInputTensor t = request.getInputs(i);
            if (raw > 0 && t.hasContents()) {
                throw new InvalidRequestException("input '" + t.getName() + "' has contents while raw_input_contents"
                        + " is set: send every input's values one way, raw or typed");
            }
            long[] shape = new long[t.getShapeCount()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = t.getShape(d);
            }
            String datatype = t.getDatatype();
            TensorData data = raw > 0
                    ? raw(t.getName(), datatype, shape, request.getRawInputContents(i), i)
                    : typed(t.getName(), datatype, shape, t.getContents());
            inputs.add(new RequestInput(
                    t.getName().isEmpty() ? null : t.getName(),
                    shape,
                    datatype.isEmpty() ? null : datatype,
                    null,
                    data));
        }
        List<RequestOutput> outputs = null;
        if (request.getOutputsCount() > 0) {
            outputs = new ArrayList<>(request.getOutputsCount());
            for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
                outputs.add(new RequestOutput(o.getName(), null));
            }
        }
        return new InferRequest(request.getId(), null, inputs, outputs);
    }

    /** The gRPC answer: {@code raw} puts the values in {@code raw_output_contents}, else in each output's contents. */
    static ModelInferResponse response(InferResponse body, ModelInferRequest request, boolean raw) {
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
                .setModelName(body.modelName())
                .setModelVersion(body.modelVersion())
                .setId(request.getId())
                .putAllParameters(request.getParametersMap());
        for (ResponseOutput o : body.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(o.name())
                    .setDatatype(o.datatype());
            for (long d : o.shape()) {
                tensor.addShape(d);
            }
            if (raw) {
                response.addRawOutputContents(rawBytes(o.datatype(), o.data()));
            } else {
                tensor.setContents(contents(o.datatype(), o.data()));
            }
            response.addOutputs(tensor);
        }
        return response.build();
    }

    private static InferTensorContents contents(String datatype, TensorData data) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        int n = data.size();
        switch (datatype) {
            case "FP32" -> {
                float[] values = ((Floats) data).values();
                for (float v : values) {
                    contents.addFp32Contents(v);
                }
            }
            case "BOOL" -> {
                for (int i = 0; i < n; i++) {
                    contents.addBoolContents((Boolean) data.get(i));
                }
            }
            default -> { // BYTES
                for (int i = 0; i < n; i++) {
                    Object v = data.get(i);
                    contents.addBytesContents(v == null ? ByteString.EMPTY : ByteString.copyFromUtf8(v.toString()));
                }
            }
        }
        return contents.build();
    }

    private static ByteString rawBytes(String datatype, TensorData data) {
        int n = data.size();
        switch (datatype) {
            case "FP32" -> {
                ByteBuffer out = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                out.asFloatBuffer().put(((Floats) data).values());
                return ByteString.copyFrom(out.array());
            }
            case "BOOL" -> {
                byte[] out = new byte[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (byte) (Boolean.TRUE.equals(data.get(i)) ? 1 : 0);
                }
                return ByteString.copyFrom(out);
            }
            default -> { // BYTES
                ByteString.Output out = ByteString.newOutput();
                byte[] length = new byte[4];
                for (int i = 0; i < n; i++) {
                    Object v = data.get(i);
                    byte[] bytes = v == null ? new byte[0] : v.toString().getBytes(StandardCharsets.UTF_8);
                    ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).putInt(0, bytes.length);
                    out.write(length, 0, 4);
                    out.write(bytes, 0, bytes.length);
                }
                return out.toByteString();
            }
        }
    }

    /** The values of a typed tensor, from the contents field its datatype names. */
    private static TensorData typed(String name, String datatype, long[] shape, InferTensorContents c) {
        String field;
        int n;
        switch (datatype) {
            case "FP32" -> {
                field = "fp32_contents";
                n = c.getFp32ContentsCount();
            }
            case "FP64" -> {
                field = "fp64_contents";
                n = c.getFp64ContentsCount();
            }
            case "INT8", "INT16", "INT32" -> {
                field = "int_contents";
                n = c.getIntContentsCount();
            }
            case "INT64" -> {
                field = "int64_contents";
                n = c.getInt64ContentsCount();
            }
            case "UINT8", "UINT16", "UINT32" -> {
                field = "uint_contents";
                n = c.getUintContentsCount();
            }
            case "UINT64" -> {
                field = "uint64_contents";
                n = c.getUint64ContentsCount();
            }
            case "BOOL" -> {
                field = "bool_contents";
                n = c.getBoolContentsCount();
            }
            case "BYTES" -> {
                field = "bytes_contents";
                n = c.getBytesContentsCount();
            }
            case "FP16" ->
                throw new InvalidRequestException(
                        "input '" + name + "': FP16 values travel only in raw_input_contents (the protocol has no typed"
                                + " field for them)");
            default -> {
                return new Numbers(new double[0], 0); // InferenceProtocol names the datatypes it takes
            }
        }
        long expected = elements(shape);
        if (expected >= 0 && expected != n) {
            throw new InvalidRequestException(String.format(
                    Locale.ROOT,
                    "input '%s': shape %s holds %d %s value(s) in contents.%s; received %d%s",
                    name,
                    Arrays.toString(shape),
                    expected,
                    datatype,
                    field,
                    n,
                    elsewhere(c, field)));
        }
        double[] values = new double[n];
        switch (datatype) {
            case "FP32" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = c.getFp32Contents(i);
                }
            }
            case "FP64" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = c.getFp64Contents(i);
                }
            }
            case "INT8", "INT16", "INT32" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = c.getIntContents(i);
                }
            }
            case "INT64" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = c.getInt64Contents(i);
                }
            }
            case "UINT8", "UINT16", "UINT32" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Integer.toUnsignedLong(c.getUintContents(i));
                }
            }
            case "UINT64" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = unsigned(c.getUint64Contents(i));
                }
            }
            case "BOOL" -> {
                List<Object> bools = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    bools.add(c.getBoolContents(i));
                }
                return new Values(bools);
            }
            default -> { // BYTES
                List<Object> strings = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    strings.add(c.getBytesContents(i).toStringUtf8());
                }
                return new Values(strings);
            }
        }
        return new Numbers(values, n);
    }

    /** " (and N in contents.x)" for the typed fields other than {@code field} that carry values: the usual mistake. */
    private static String elsewhere(InferTensorContents c, String field) {
        StringBuilder s = new StringBuilder();
        int[] counts = {
            c.getFp32ContentsCount(),
            c.getFp64ContentsCount(),
            c.getIntContentsCount(),
            c.getInt64ContentsCount(),
            c.getUintContentsCount(),
            c.getUint64ContentsCount(),
            c.getBoolContentsCount(),
            c.getBytesContentsCount()
        };
        String[] fields = {
            "fp32_contents",
            "fp64_contents",
            "int_contents",
            "int64_contents",
            "uint_contents",
            "uint64_contents",
            "bool_contents",
            "bytes_contents"
        };
        for (int i = 0; i < fields.length; i++) {
            if (counts[i] > 0 && !fields[i].equals(field)) {
                s.append(s.length() == 0 ? " (and " : ", ")
                        .append(counts[i])
                        .append(" in contents.")
                        .append(fields[i]);
            }
        }
        return s.length() == 0 ? "" : s.append(')').toString();
    }

    /** The values of input {@code index} from its raw bytes. */
    private static TensorData raw(String name, String datatype, long[] shape, ByteString bytes, int index) {
        int size =
                switch (datatype) {
                    case "BOOL", "INT8", "UINT8" -> 1;
                    case "INT16", "UINT16", "FP16" -> 2;
                    case "INT32", "UINT32", "FP32" -> 4;
                    case "INT64", "UINT64", "FP64" -> 8;
                    case "BYTES" -> 0;
                    default -> -1;
                };
        if (size < 0) {
            return new Numbers(new double[0], 0); // InferenceProtocol names the datatypes it takes
        }
        ByteBuffer in = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long expected = elements(shape);
        if (size == 0) {
            List<Object> strings = new ArrayList<>();
            while (in.remaining() > 0) {
                if (in.remaining() < 4) {
                    throw new InvalidRequestException("input '" + name + "': raw_input_contents[" + index + "] ends in"
                            + " the middle of a BYTES element's 4-byte length");
                }
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw new InvalidRequestException("input '" + name + "': raw_input_contents[" + index + "] has a"
                            + " BYTES element of " + Integer.toUnsignedString(length) + " bytes but only "
                            + in.remaining() + " follow; each element is a 4-byte little-endian length, then its"
                            + " bytes");
                }
                byte[] element = new byte[length];
                in.get(element);
                strings.add(new String(element, StandardCharsets.UTF_8));
            }
            count(name, datatype, shape, expected, strings.size(), index);
            return new Values(strings);
        }
        if (bytes.size() % size != 0) {
            throw new InvalidRequestException("input '" + name + "': raw_input_contents[" + index + "] has "
                    + bytes.size() + " bytes, not a whole number of " + size + "-byte " + datatype + " values");
        }
        int n = bytes.size() / size;
        count(name, datatype, shape, expected, n, index);
        if (datatype.equals("BOOL")) {
            List<Object> bools = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                bools.add(in.get() != 0);
            }
            return new Values(bools);
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = switch (datatype) {
                case "INT8" -> in.get();
                case "UINT8" -> in.get() & 0xff;
                case "INT16" -> in.getShort();
                case "UINT16" -> in.getShort() & 0xffff;
                case "FP16" -> halfToFloat(in.getShort());
                case "INT32" -> in.getInt();
                case "UINT32" -> Integer.toUnsignedLong(in.getInt());
                case "FP32" -> in.getFloat();
                case "INT64" -> in.getLong();
                case "UINT64" -> unsigned(in.getLong());
                default -> in.getDouble(); // FP64
            };
        }
        return new Numbers(values, n);
    }

    private static void count(String name, String datatype, long[] shape, long expected, int n, int index) {
        if (expected >= 0 && expected != n) {
            throw new InvalidRequestException(String.format(
                    Locale.ROOT,
                    "input '%s': shape %s holds %d %s value(s); raw_input_contents[%d] holds %d",
                    name,
                    Arrays.toString(shape),
                    expected,
                    datatype,
                    index,
                    n));
        }
    }

    /** The values {@code shape} holds; -1 when a dimension is negative (InferenceProtocol names that). */
    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n = d != 0 && n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // infinity or NaN
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f; // zero or subnormal
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
