package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds the GGUF file of a model folder. */
final class GgufFiles {

    /** Later shards of a split model ({@code -00002-of-00003.gguf}): llama.cpp opens the first and finds them. */
    private static final Pattern LATER_SHARD = Pattern.compile(".*-(?!0*1-)\\d{5}-of-\\d{5}\\.gguf");

    private GgufFiles() {
    }

    /**
     * The model's GGUF file: the first by path among the folder's {@code .gguf} files (at most two
     * levels down, as Hub repositories keep quantisations in subfolders), skipping multimodal
     * projectors ({@code mmproj}) and later shards of split files. A download with a {@code :<quant>}
     * suffix fetches exactly one quantisation, so there is normally one candidate.
     */
    static Optional<Path> find(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(modelDir, 3)) {
            return files.filter(GgufFiles::isModelFile).min(Comparator.comparing(p -> modelDir.relativize(p).toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + modelDir, e);
        }
    }

    private static boolean isModelFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".gguf") && !name.contains("mmproj") && !LATER_SHARD.matcher(name).matches()
                && Files.isRegularFile(file);
    }
}
