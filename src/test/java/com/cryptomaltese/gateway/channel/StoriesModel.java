package com.cryptomaltese.gateway.channel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.ParameterService;

/**
 * The trained TinyStories-260K model (../shared/models/stories260K/hf), linked into a data dir in
 * the Hugging Face cache layout and loaded with greedy stored parameters, so a channel message
 * "Once upon a time" gets transformers' greedy continuation (as DjlChatApiTest proves over REST).
 */
final class StoriesModel {

    static final ModelId ID = ModelId.parse("karpathy/stories260K", "model_id");
    static final String PROMPT = "Once upon a time";
    static final String GREEDY =
            ", there was a little girl named Lily. She loved to play outside in the park. One day,";
    private static final Path SOURCE = Path.of("../shared/models/stories260K/hf").toAbsolutePath().normalize();

    private StoriesModel() {
    }

    static void linkInto(Path dataDir) {
        Path folder = dataDir.resolve("models").resolve("models--karpathy--stories260K");
        try {
            Path snapshot = Files.createDirectories(folder.resolve("snapshots/0123abcd"));
            Files.createDirectories(folder.resolve("refs"));
            Files.writeString(folder.resolve("refs/main"), "0123abcd");
            try (Stream<Path> files = Files.list(SOURCE)) {
                for (Path file : files.toList()) {
                    Files.createSymbolicLink(snapshot.resolve(file.getFileName()), file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void loadGreedy(ModelService models, ParameterService parameters) {
        parameters.update(ID, new GenerationSettings(null, null, null, 30, 1.0, false, null, null, null, null), "test");
        models.load(ID);
    }
}
