package io.inferfn.quantize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

/** Reading and writing ONNX initializers (little-endian raw data, as ONNX stores it). */
final class Tensors {

    private Tensors() {}

    static float[] floats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            throw new IllegalArgumentException("initializer '" + t.getName() + "' is not float32");
        }
        if (t.getFloatDataCount() > 0) {
            float[] out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
            return out;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(out);
        return out;
    }

    static long bytes(TensorProto t) {
        long elements = 1;
        for (long d : t.getDimsList()) {
            elements *= d;
        }
        int size =
                switch (TensorProto.DataType.forNumber(t.getDataType())) {
                    case INT8, UINT8, BOOL -> 1;
                    case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
                    case INT64, UINT64, DOUBLE -> 8;
                    default -> 4;
                };
        return elements * size;
    }

    static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addAllDims(boxed(dims))
                .setRawData(ByteString.copyFrom(buffer.array()))
                .build();
    }

    static TensorProto int8Tensor(String name, byte[] values, long... dims) {
        return TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT8.getNumber())
                .addAllDims(boxed(dims))
                .setRawData(ByteString.copyFrom(values))
                .build();
    }

    static TensorProto uint8Tensor(String name, byte[] values, long... dims) {
        return TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.UINT8.getNumber())
                .addAllDims(boxed(dims))
                .setRawData(ByteString.copyFrom(values))
                .build();
    }

    private static List<Long> boxed(long[] dims) {
        return java.util.Arrays.stream(dims).boxed().toList();
    }
}
