package com.cryptomaltese.gateway.engine.arch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.cryptomaltese.gateway.engine.weights.TensorInfo;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * Reads an architecture's tensors by name, each checked against the shape its config implies, so a
 * mismatch fails by name. A {@linkplain #checking checking} reader only checks and returns null:
 * the architecture's own loading code, run with it, checks a folder before the loaded model is
 * given up, with the very names and shapes the load will read.
 */
public final class WeightReader {

    private final WeightLoader loader;
    private final NDManager manager;
    private final String prefix;
    private long bytes;

    private WeightReader(WeightLoader loader, NDManager manager, String prefix) {
        this.loader = loader;
        this.manager = manager;
        this.prefix = prefix;
    }

    /** Reads tensors {@code prefix + name} into arrays of {@code manager}. */
    public static WeightReader loading(WeightLoader loader, NDManager manager, String prefix) {
        return new WeightReader(loader, manager, prefix);
    }

    /** Checks names and shapes only; every tensor read is null. */
    public static WeightReader checking(WeightLoader loader, String prefix) {
        return new WeightReader(loader, null, prefix);
    }

    /** The tensor as F32 of exactly {@code shape}; null when checking. */
    public NDArray tensor(String name, long... shape) throws IOException {
        TensorInfo info = loader.tensors().get(prefix + name);
        if (info == null) {
            throw new IOException("missing tensor " + prefix + name);
        }
        if (!Arrays.equals(info.shape(), shape)) {
            throw new IOException("tensor " + prefix + name + " has shape " + Arrays.toString(info.shape())
                    + ", config.json implies " + Arrays.toString(shape));
        }
        if (manager == null) {
            return null;
        }
        // Straight into a direct buffer that the tensor wraps: no heap copy to outlive the load.
        ByteBuffer data = loader.loadDirect(prefix + name);
        bytes += data.capacity();
        return manager.create(data, new Shape(shape), DataType.FLOAT32);
    }

    /** Whether the weights hold {@code prefix + name}. */
    public boolean has(String name) {
        return loader.tensors().containsKey(prefix + name);
    }

    /**
     * Refuses a layer count the weights do not have before an array that long is made (a billion
     * layers in config.json ran the heap out).
     */
    public void requireLayers(int layers, String lastLayerTensor) throws IOException {
        if (!has(lastLayerTensor)) {
            throw new IOException("config.json says " + layers + " layers, but the weights have no " + prefix + lastLayerTensor);
        }
    }

    /** Bytes read so far. */
    public long bytes() {
        return bytes;
    }
}
