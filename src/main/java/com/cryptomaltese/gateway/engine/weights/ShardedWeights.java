package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The weights of a Hugging Face model folder in one format: a single file, or shards listed by an
 * index ({@code weight_map}: tensor name to shard file). Looks up tensors across shards as if they
 * were one file; the formats differ only in how one file is opened.
 */
abstract class ShardedWeights<F extends WeightLoader> implements WeightLoader {

    @FunctionalInterface
    interface Opener<F> {
        F open(Path file) throws IOException;
    }

    /** What a folder opened to: the files, and for each tensor the file that holds it. */
    record Parts<F>(String source, List<F> files, Map<String, F> fileOf) {
    }

    private final String source;
    private final List<F> files;
    private final Map<String, F> fileOf;
    private final Map<String, TensorInfo> tensors;

    ShardedWeights(Parts<F> parts) {
        this.source = parts.source();
        this.files = List.copyOf(parts.files());
        this.fileOf = parts.fileOf();
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        fileOf.forEach((name, file) -> all.put(name, file.tensors().get(name)));
        this.tensors = Collections.unmodifiableMap(all);
    }

    /** Opens {@code single} if present (as transformers does), else the shards of {@code index}. */
    static <F extends WeightLoader> Parts<F> open(Path folder, String single, String index, Opener<F> opener,
                                                 Function<String, IOException> error) throws IOException {
        Path dir = folder.toAbsolutePath().normalize();
        Path singleFile = dir.resolve(single);
        Path indexFile = dir.resolve(index);
        if (Files.isRegularFile(singleFile)) {
            F file = opener.open(singleFile);
            Map<String, F> fileOf = new LinkedHashMap<>();
            file.tensors().keySet().forEach(name -> fileOf.put(name, file));
            return new Parts<>(singleFile.toString(), List.of(file), fileOf);
        }
        if (Files.isRegularFile(indexFile)) {
            return openShards(dir, indexFile, opener, error);
        }
        throw error.apply(dir + ": neither " + single + " nor " + index + " found");
    }

    private static <F extends WeightLoader> Parts<F> openShards(Path dir, Path index, Opener<F> opener,
                                                               Function<String, IOException> error) throws IOException {
        ShardIndex shards = ShardIndex.read(dir, index);
        String source = shards.source();
        List<F> opened = new ArrayList<>();
        try {
            Map<String, F> byShard = new LinkedHashMap<>();
            for (Map.Entry<String, Path> s : shards.shardPaths().entrySet()) {
                if (!Files.isRegularFile(s.getValue())) {
                    throw error.apply(source + ": shard '" + s.getKey() + "' is missing");
                }
                F file = opener.open(s.getValue());
                opened.add(file);
                byShard.put(s.getKey(), file);
            }
            Map<String, F> fileOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : shards.shardOf().entrySet()) {
                F file = byShard.get(e.getValue());
                if (!file.tensors().containsKey(e.getKey())) {
                    throw error.apply(source + ": tensor '" + e.getKey() + "' is mapped to shard '" + e.getValue()
                            + "', which does not contain it");
                }
                fileOf.put(e.getKey(), file);
            }
            return new Parts<>(source, opened, fileOf);
        } catch (IOException | RuntimeException | Error e) {
            for (F f : opened) {
                try {
                    f.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public float[] load(String name) throws IOException {
        return fileOf(name).load(name);
    }

    @Override
    public ByteBuffer loadDirect(String name) throws IOException {
        return fileOf(name).loadDirect(name);
    }

    private F fileOf(String name) throws SafetensorsException {
        F file = fileOf.get(name);
        if (file == null) {
            throw SafetensorsException.noSuchTensor(source, name, tensors.keySet());
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (F f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
