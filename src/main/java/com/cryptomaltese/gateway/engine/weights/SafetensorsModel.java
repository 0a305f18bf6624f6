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

/**
 * The weights of a Hugging Face model folder: either one {@code model.safetensors} or shards listed
 * by {@code model.safetensors.index.json} ({@code weight_map}: tensor name to shard file). Looks up
 * tensors across shards as if they were one file.
 */
public final class SafetensorsModel implements WeightLoader {

    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";

    private final String source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsModel(String source, List<SafetensorsFile> files, Map<String, SafetensorsFile> fileOf) {
        this.source = source;
        this.files = List.copyOf(files);
        this.fileOf = fileOf;
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        fileOf.forEach((name, file) -> all.put(name, file.tensors().get(name)));
        this.tensors = Collections.unmodifiableMap(all);
    }

    /** Opens {@code model.safetensors} if present (as transformers does), else the sharded index. */
    public static SafetensorsModel open(Path folder) throws IOException {
        Path dir = folder.toAbsolutePath().normalize();
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            file.tensors().keySet().forEach(name -> fileOf.put(name, file));
            return new SafetensorsModel(single.toString(), List.of(file), fileOf);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        throw new SafetensorsException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
    }

    private static SafetensorsModel openSharded(Path dir, Path index) throws IOException {
        ShardIndex shards = ShardIndex.read(dir, index);
        String source = shards.source();
        Map<String, String> shardOf = shards.shardOf();
        Map<String, Path> shardPaths = shards.shardPaths();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
            for (Map.Entry<String, Path> s : shardPaths.entrySet()) {
                if (!Files.isRegularFile(s.getValue())) {
                    throw new SafetensorsException(source + ": shard '" + s.getKey() + "' is missing");
                }
                SafetensorsFile file = SafetensorsFile.open(s.getValue());
                opened.add(file);
                byShard.put(s.getKey(), file);
            }
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile file = byShard.get(e.getValue());
                if (!file.tensors().containsKey(e.getKey())) {
                    throw new SafetensorsException(source + ": tensor '" + e.getKey() + "' is mapped to shard '"
                            + e.getValue() + "', which does not contain it");
                }
                fileOf.put(e.getKey(), file);
            }
            return new SafetensorsModel(source, opened, fileOf);
        } catch (IOException | RuntimeException | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public float[] load(String name) throws IOException {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw SafetensorsException.noSuchTensor(source, name, tensors.keySet());
        }
        return file.load(name);
    }

    @Override
    public ByteBuffer loadDirect(String name) throws IOException {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw SafetensorsException.noSuchTensor(source, name, tensors.keySet());
        }
        return file.loadDirect(name);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
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

    private static void closeAll(List<SafetensorsFile> files, Throwable cause) {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
