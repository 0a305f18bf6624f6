package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

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
        Map<String, String> shardOf = StrictJson.readObject(source, "index", Files.readAllBytes(index), parser -> {
            Map<String, String> weightMap = null;
            for (String name = StrictJson.nextMember(parser); name != null; name = StrictJson.nextMember(parser)) {
                if (name.equals("weight_map") && parser.currentToken() == JsonToken.START_OBJECT) {
                    weightMap = weightMap(source, parser);
                } else {
                    parser.skipChildren(); // metadata (total_size) and anything else a writer adds
                }
            }
            return weightMap;
        });
        if (shardOf == null || shardOf.isEmpty()) {
            throw new SafetensorsException(source + ": 'weight_map' is missing, empty or not a JSON object");
        }
        Map<String, Path> shardPaths = new TreeMap<>();
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!shardPaths.containsKey(e.getValue())) {
                shardPaths.put(e.getValue(), resolveShard(dir, source, e.getKey(), e.getValue()));
            }
        }
        return new ShardIndex(source, shardOf, shardPaths);
    }

    private static Map<String, String> weightMap(String source, JsonParser parser) throws IOException {
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (String tensor = StrictJson.nextMember(parser); tensor != null; tensor = StrictJson.nextMember(parser)) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(source + ": tensor '" + tensor + "': shard name is not a string");
            }
            shardOf.put(tensor, parser.getText());
        }
        return shardOf;
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
