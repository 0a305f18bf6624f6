package com.cryptomaltese.gateway.engine.weights;

import java.nio.file.Path;

/** Opens one safetensors file in a JVM of its own (with the heap its parent chose) and prints its tensor count. */
public final class HugeHeaderChild {

    private HugeHeaderChild() {
    }

    public static void main(String[] args) throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(Path.of(args[0]))) {
            System.out.println("tensors: " + file.tensors().size());
        }
    }
}
