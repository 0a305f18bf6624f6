package com.cryptomaltese.gateway.model;

import java.util.Collection;
import java.util.Locale;

/** The weight formats of the specification, recognised from the files of a model folder. */
public enum ModelFormat {
    SAFETENSORS, GGUF, ONNX, TORCHSCRIPT, PYTORCH, UNKNOWN;

    /** Preference order matters: a repo with safetensors and a .bin fallback is a safetensors model. */
    public static ModelFormat detect(Collection<String> fileNames) {
        if (fileNames.stream().anyMatch(f -> f.endsWith(".safetensors"))) {
            return SAFETENSORS;
        }
        if (fileNames.stream().anyMatch(f -> f.endsWith(".gguf"))) {
            return GGUF;
        }
        if (fileNames.stream().anyMatch(f -> f.endsWith(".onnx"))) {
            return ONNX;
        }
        // A traced program saved as *.pt cannot be told from a state dict by its name: it is listed as
        // pytorch until its folder opts in (torchscript.json), and a load says what it is.
        if (fileNames.stream().anyMatch(f -> f.endsWith(".torchscript") || f.equals("torchscript.json"))) {
            return TORCHSCRIPT;
        }
        if (fileNames.stream().anyMatch(f -> f.endsWith(".bin") || f.endsWith(".pt") || f.endsWith(".pth"))) {
            return PYTORCH;
        }
        return UNKNOWN;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
