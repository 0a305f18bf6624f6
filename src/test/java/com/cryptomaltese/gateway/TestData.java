package com.cryptomaltese.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Data directories and model folders for tests, all under target/test-data. */
public final class TestData {

    public static final Path ROOT = Path.of("target", "test-data").toAbsolutePath();

    private TestData() {
    }

    /** An empty directory at {@code relative} (below the project root), whatever was there before. */
    public static Path freshDataDir(String relative) {
        Path dir = Path.of(relative).toAbsolutePath();
        if (!dir.startsWith(ROOT)) {
            throw new IllegalArgumentException("test data belongs under " + ROOT + ": " + dir);
        }
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A model folder in the Hugging Face cache layout, as {@code huggingface-cli download} leaves it:
     * the file content under {@code blobs/}, {@code snapshots/<commit>/} holding symlinks to the
     * blobs, and {@code refs/main} naming the commit.
     */
    public static Path hubModel(Path modelsDir, String org, String name, String commit, String weightsFile,
                                int weightBytes) {
        try {
            Path folder = modelsDir.resolve("models--" + org + "--" + name);
            Path snapshot = Files.createDirectories(folder.resolve("snapshots").resolve(commit));
            Path blobs = Files.createDirectories(folder.resolve("blobs"));
            Files.createDirectories(folder.resolve("refs"));
            Files.writeString(folder.resolve("refs").resolve("main"), commit, StandardCharsets.UTF_8);
            link(blobs, snapshot, "config.json", """
                    {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "num_hidden_layers": 2}""".getBytes());
            link(blobs, snapshot, weightsFile, new byte[weightBytes]);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shared TinyStories-260K (../shared/models/stories260K/hf): read in place, never copied into the repo. */
    public static final Path STORIES = Path.of("../shared/models/stories260K/hf").toAbsolutePath().normalize();

    /**
     * An existing model folder ({@code source}) made available as {@code org/name} in the Hugging
     * Face cache layout under {@code dataDir/models}: the snapshot's files are symlinks to the
     * source's, as the Hub cache links them to its blobs.
     */
    public static Path linkHubModel(Path dataDir, Path source, String org, String name) {
        Path folder = dataDir.resolve("models").resolve("models--" + org + "--" + name);
        try {
            Path snapshot = Files.createDirectories(folder.resolve("snapshots/0123abcd"));
            Files.createDirectories(folder.resolve("refs"));
            Files.writeString(folder.resolve("refs/main"), "0123abcd", StandardCharsets.UTF_8);
            try (Stream<Path> files = Files.list(source.toAbsolutePath())) {
                for (Path file : files.toList()) {
                    Files.createSymbolicLink(snapshot.resolve(file.getFileName()), file);
                }
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void link(Path blobs, Path snapshot, String file, byte[] content) throws IOException {
        Path blob = blobs.resolve(Integer.toHexString(file.hashCode()) + "-" + content.length);
        Files.write(blob, content);
        Files.createSymbolicLink(snapshot.resolve(file), snapshot.relativize(blob));
    }
}
