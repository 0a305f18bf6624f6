package com.cryptomaltese.gateway.engine.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Forward-pass operations as single torch calls. A decode step is hundreds of small operations,
 * each costing microseconds of dispatch however little it computes, so the count matters: DJL's
 * generic spellings take several native calls (an {@code NDIndex} slice is parsed, indexed,
 * squeezed and closed; a scalar operand becomes a new tensor every time), while torch has one
 * call for each of these. The indexing ones go to DJL's PyTorch engine directly, the engine this
 * package runs on.
 */
public final class Ops {

    private Ops() {
    }

    /** {@code x @ weight^T + bias} as {@code nn.Linear} (one addmm); {@code weight} is (out, in). */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** torch's fused {@code layer_norm} over the last axis, as {@code nn.LayerNorm}. */
    public static NDArray layerNorm(NDArray x, NDArray gain, NDArray bias, float eps) {
        return LayerNorm.layerNorm(x, new Shape(gain.getShape().get(0)), gain, bias, eps).singletonOrThrow();
    }

    /**
     * Rows {@code start .. start+count-1} of a 2-D {@code table}, a view owned by {@code owner}
     * (an embedding row for one token, or consecutive positions), in one call.
     */
    public static NDArray rows(NDArray table, long start, long count, NDManager owner) {
        Shape shape = table.getShape();
        return JniUtils.index(pt(table), new long[] {start, 0}, new long[] {start + count, shape.get(1)},
                new long[] {1, 1}, (PtNDManager) owner);
    }

    /** {@code x} from {@code start} to {@code end} along {@code axis}, a view owned as {@code x} is. */
    public static NDArray slice(NDArray x, int axis, long start, long end) {
        return JniUtils.slice(pt(x), axis, start, end, 1);
    }

    /** {@code x[:, start:end, :]} of a 3-D {@code x} whose first and last sizes are given, a view owned by {@code owner}. */
    static NDArray middle(NDArray x, long first, long start, long end, long last, NDManager owner) {
        return JniUtils.index(pt(x), new long[] {0, start, 0}, new long[] {first, end, last}, new long[] {1, 1, 1},
                (PtNDManager) owner);
    }

    /** {@code into[:, start:start+count, :] = value} in place, value (first, count, last). */
    static void write(NDArray into, NDArray value, long first, long start, long count, long last) {
        JniUtils.indexSet(pt(into), pt(value), new long[] {0, start, 0}, new long[] {first, start + count, last},
                new long[] {1, 1, 1});
    }

    private static PtNDArray pt(NDArray array) {
        return (PtNDArray) array;
    }
}
