package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face shard index ({@code model.safetensors.index.json} or
 * {@code pytorch_model.bin.index.json}): {@code weight_map} from tensor name to shard file. Every
 * shard name is resolved, and must stay inside the model folder, before any shard is opened.
 *
 * @param source     the index file, for messages
 * @param shardOf    tensor name to shard name, in index order
 * @param shardPaths shard name to its resolved path, sorted by name
 */
record ShardIndex(String source, Map<String, String> shardOf, Map<String, Path> shardPaths) {

    static ShardIndex read(Path dir, Path index) throws IOException {
        String source = index.toString();
        if (Files.size(index) > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new SafetensorsException(source + ": larger than " + SafetensorsFile.MAX_HEADER_BYTES + " bytes");
        }
        ObjectNode root = StrictJson.parseObject(source, "index", Files.readAllBytes(index));
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new SafetensorsException(source + ": 'weight_map' is missing, empty or not a JSON object");
        }
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
        return new ShardIndex(source, shardOf, shardPaths);
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
}
