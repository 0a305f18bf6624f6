package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch weights of a Hugging Face model folder: either one {@code pytorch_model.bin} or the
 * shards listed by {@code pytorch_model.bin.index.json}, each a {@link TorchCheckpoint}. Shard names
 * must stay inside the folder (as for safetensors). Looks up tensors across shards as if they were
 * one file.
 */
public final class TorchCheckpointModel implements WeightLoader {

    static final String SINGLE_FILE = "pytorch_model.bin";
    static final String INDEX_FILE = "pytorch_model.bin.index.json";

    private final String source;
    private final List<TorchCheckpoint> files;
    private final Map<String, TorchCheckpoint> fileOf;
    private final Map<String, TensorInfo> tensors;

    private TorchCheckpointModel(String source, List<TorchCheckpoint> files, Map<String, TorchCheckpoint> fileOf) {
        this.source = source;
        this.files = List.copyOf(files);
        this.fileOf = fileOf;
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        fileOf.forEach((name, file) -> all.put(name, file.tensors().get(name)));
        this.tensors = Collections.unmodifiableMap(all);
    }

    /** Whether the folder holds {@code pytorch_model.bin} or its index. */
    public static boolean present(Path folder) {
        return Files.isRegularFile(folder.resolve(SINGLE_FILE)) || Files.isRegularFile(folder.resolve(INDEX_FILE));
    }

    /** Opens {@code pytorch_model.bin} if present (as transformers does), else the sharded index. */
    public static TorchCheckpointModel open(Path folder) throws IOException {
        Path dir = folder.toAbsolutePath().normalize();
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            TorchCheckpoint file = TorchCheckpoint.open(single);
            Map<String, TorchCheckpoint> fileOf = new LinkedHashMap<>();
            file.tensors().keySet().forEach(name -> fileOf.put(name, file));
            return new TorchCheckpointModel(single.toString(), List.of(file), fileOf);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        throw new TorchCheckpointException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
    }

    private static TorchCheckpointModel openSharded(Path dir, Path index) throws IOException {
        ShardIndex shards = ShardIndex.read(dir, index);
        String source = shards.source();
        List<TorchCheckpoint> opened = new ArrayList<>();
        try {
            Map<String, TorchCheckpoint> byShard = new LinkedHashMap<>();
            for (Map.Entry<String, Path> s : shards.shardPaths().entrySet()) {
                if (!Files.isRegularFile(s.getValue())) {
                    throw new TorchCheckpointException(source + ": shard '" + s.getKey() + "' is missing");
                }
                TorchCheckpoint file = TorchCheckpoint.open(s.getValue());
                opened.add(file);
                byShard.put(s.getKey(), file);
            }
            Map<String, TorchCheckpoint> fileOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : shards.shardOf().entrySet()) {
                TorchCheckpoint file = byShard.get(e.getValue());
                if (!file.tensors().containsKey(e.getKey())) {
                    throw new TorchCheckpointException(source + ": tensor '" + e.getKey() + "' is mapped to shard '"
                            + e.getValue() + "', which does not contain it");
                }
                fileOf.put(e.getKey(), file);
            }
            return new TorchCheckpointModel(source, opened, fileOf);
        } catch (IOException | RuntimeException | Error e) {
            for (TorchCheckpoint f : opened) {
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
        TorchCheckpoint file = fileOf.get(name);
        if (file == null) {
            throw SafetensorsException.noSuchTensor(source, name, tensors.keySet());
        }
        return file.load(name);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TorchCheckpoint f : files) {
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
