package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Named tensors, delivered as F32. What the inference engine needs from a checkpoint, whatever
 * the format (safetensors now, GGUF perhaps later).
 */
public interface WeightLoader extends AutoCloseable {

    /** Every tensor by name, in file order; unmodifiable. */
    Map<String, TensorInfo> tensors();

    /** Reads one tensor, converted to F32, row-major as stored. */
    float[] load(String name) throws IOException;

    /**
     * Reads one tensor, converted to F32, row-major as stored, into a new direct buffer in native
     * byte order: what an engine can wrap without another copy, with nothing left on the Java heap.
     */
    default ByteBuffer loadDirect(String name) throws IOException {
        float[] data = load(name);
        ByteBuffer out = ByteBuffer.allocateDirect(4 * data.length).order(ByteOrder.nativeOrder());
        out.asFloatBuffer().put(data);
        return out;
    }

    @Override
    void close() throws IOException;
}
