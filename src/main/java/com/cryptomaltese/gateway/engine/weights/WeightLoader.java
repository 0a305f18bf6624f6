package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
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

    @Override
    void close() throws IOException;
}
