package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
        String source = index.toString();
        if (Files.size(index) > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new SafetensorsException(source + ": larger than " + SafetensorsFile.MAX_HEADER_BYTES + " bytes");
        }
        ObjectNode root = StrictJson.parseObject(source, "index", Files.readAllBytes(index));
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new SafetensorsException(source + ": 'weight_map' is missing, empty or not a JSON object");
        }
        // Resolve every shard name before opening anything, so a bad index opens no files.
        Map<String, String> shardOf = new LinkedHashMap<>();
        Map<String, Path> shardPaths = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(source + ": tensor '" + e.getKey() + "': shard name is not a string");
            }
            String shard = e.getValue().textValue();
            shardOf.put(e.getKey(), shard);
            if (!shardPaths.containsKey(shard)) {
                shardPaths.put(shard, resolveShard(dir, source, e.getKey(), shard));
            }
        }
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

    /** A shard must be a plain relative path that stays inside the model folder. */
    private static Path resolveShard(Path dir, String source, String tensor, String shard) throws SafetensorsException {
        String bad = source + ": tensor '" + tensor + "': shard '" + shard + "'";
        Path relative;
        try {
            relative = dir.getFileSystem().getPath(shard);
        } catch (InvalidPathException e) {
            throw new SafetensorsException(bad + " is not a valid file name", e);
        }
        if (shard.isEmpty() || relative.isAbsolute() || relative.getRoot() != null) {
            throw new SafetensorsException(bad + " must be a relative file name inside the model folder");
        }
        for (Path part : relative) {
            if (part.toString().equals("..")) {
                throw new SafetensorsException(bad + " must not contain '..'");
            }
        }
        Path resolved = dir.resolve(relative).normalize();
        if (!resolved.startsWith(dir) || resolved.equals(dir)) {
            throw new SafetensorsException(bad + " resolves outside the model folder");
        }
        return resolved;
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
