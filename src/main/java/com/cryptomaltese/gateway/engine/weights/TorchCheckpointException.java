package com.cryptomaltese.gateway.engine.weights;

/**
 * A PyTorch checkpoint ({@code torch.save} zip) that cannot be read as promised: not a zip,
 * truncated, a pickle that is malformed or asks for anything but a state dict ("unsafe pickle:
 * module.name"), or a tensor we do not deliver. A {@link SafetensorsException} so that whoever
 * handles weight-file errors handles both formats; the message always names the file.
 */
public class TorchCheckpointException extends SafetensorsException {

    public TorchCheckpointException(String message) {
        super(message);
    }

    public TorchCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
