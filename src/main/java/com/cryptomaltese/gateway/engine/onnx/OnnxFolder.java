package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which file of a model folder is its ONNX graph, and whether the folder is an ONNX model at all.
 * The graph is picked as the Hub download picks it: the shortest path ending in {@code model.onnx}
 * ({@code model.onnx} from Optimum, {@code onnx/model.onnx} in many Hub repositories), else the
 * first {@code .onnx} file. External data files sit beside it and are found by ONNX Runtime.
 */
final class OnnxFolder {

    private OnnxFolder() {
    }

    /**
     * A folder is an ONNX model when it holds an {@code .onnx} file and no safetensors or GGUF
     * weights, which win over ONNX (as in the model list's format): those stay on their engines.
     */
    static boolean isOnnxModel(Path dir) {
        List<String> files = files(dir);
        return files.stream().anyMatch(f -> f.endsWith(".onnx"))
                && files.stream().noneMatch(f -> f.endsWith(".safetensors") || f.endsWith(".gguf"));
    }

    static Optional<Path> graph(Path dir) {
        List<String> onnx = files(dir).stream().filter(f -> f.endsWith(".onnx")).sorted().toList();
        return onnx.stream().filter(f -> f.endsWith("model.onnx")).min(Comparator.comparingInt(String::length))
                .or(() -> onnx.stream().findFirst())
                .map(dir::resolve);
    }

    /** Paths of the folder's regular files (symlinks followed), relative to it. */
    private static List<String> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
