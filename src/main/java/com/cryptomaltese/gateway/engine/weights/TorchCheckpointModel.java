package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PyTorch weights of a Hugging Face model folder: either one {@code pytorch_model.bin} or the
 * shards listed by {@code pytorch_model.bin.index.json}, each a {@link TorchCheckpoint}. Shard names
 * must stay inside the folder (as for safetensors). Looks up tensors across shards as if they were
 * one file.
 */
public final class TorchCheckpointModel extends ShardedWeights<TorchCheckpoint> {

    static final String SINGLE_FILE = "pytorch_model.bin";
    static final String INDEX_FILE = "pytorch_model.bin.index.json";

    private TorchCheckpointModel(Parts<TorchCheckpoint> parts) {
        super(parts);
    }

    /** Whether the folder holds {@code pytorch_model.bin} or its index. */
    public static boolean present(Path folder) {
        return Files.isRegularFile(folder.resolve(SINGLE_FILE)) || Files.isRegularFile(folder.resolve(INDEX_FILE));
    }

    /** Opens {@code pytorch_model.bin} if present (as transformers does), else the sharded index. */
    public static TorchCheckpointModel open(Path folder) throws IOException {
        return new TorchCheckpointModel(open(folder, SINGLE_FILE, INDEX_FILE, TorchCheckpoint::open,
                TorchCheckpointException::new));
    }
}
