package com.cryptomaltese.gateway.model;

import java.nio.file.Path;

/**
 * A JVM that marks a load and then ends inside it: "exit" as a stop does (shutdown hooks run),
 * "halt" as a native abort does (none run). Run by {@link LoadMarkerTest} as a process of its own.
 */
public final class LoadMarkerExit {

    private LoadMarkerExit() {
    }

    public static void main(String[] args) {
        new LoadMarker(Path.of(args[0])).set(ModelId.parse("crash/llama", "model_id"), 0);
        if (args[1].equals("halt")) {
            Runtime.getRuntime().halt(134);
        }
        System.exit(0);
    }
}
