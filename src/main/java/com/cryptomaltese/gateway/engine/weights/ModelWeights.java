package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Picks the weights of a Hugging Face model folder: safetensors ({@code model.safetensors} or its
 * index) when present, as transformers prefers them, else PyTorch ({@code pytorch_model.bin} or its
 * index), read without executing pickle code.
 */
public final class ModelWeights {

    private ModelWeights() {
    }

    /** Whether the folder holds weights in a format we read. */
    public static boolean present(Path folder) {
        return safetensors(folder) || TorchCheckpointModel.present(folder);
    }

    public static WeightLoader open(Path folder) throws IOException {
        if (safetensors(folder)) {
            return SafetensorsModel.open(folder);
        }
        if (TorchCheckpointModel.present(folder)) {
            return TorchCheckpointModel.open(folder);
        }
        throw new SafetensorsException(folder.toAbsolutePath().normalize() + ": no weights found (looked for "
                + SafetensorsModel.SINGLE_FILE + ", " + SafetensorsModel.INDEX_FILE + ", "
                + TorchCheckpointModel.SINGLE_FILE + " and " + TorchCheckpointModel.INDEX_FILE + ")");
    }

    private static boolean safetensors(Path folder) {
        return Files.isRegularFile(folder.resolve(SafetensorsModel.SINGLE_FILE))
                || Files.isRegularFile(folder.resolve(SafetensorsModel.INDEX_FILE));
    }
}
