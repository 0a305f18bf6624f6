package com.cryptomaltese.gateway.engine.tokenizer;

import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a model folder says about its tokenizer beyond tokenizer.json, read the way transformers 5 reads it.
 *
 * @param specialTokens named special tokens handed to chat templates ({@code bos_token}, {@code eos_token},
 *                      {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token},
 *                      {@code mask_token} and model-specific {@code *_token} entries)
 * @param chatTemplate  the default chat template, if the model has one
 * @param eosTokenIds   generation_config.json {@code eos_token_id} (a number or a list); empty if absent
 * @param bosTokenId    generation_config.json {@code bos_token_id}
 * @param padTokenId    generation_config.json {@code pad_token_id}
 */
public record TokenizerSettings(Map<String, String> specialTokens, Optional<String> chatTemplate,
                                List<Integer> eosTokenIds, Optional<Integer> bosTokenId,
                                Optional<Integer> padTokenId) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NAMED_TOKENS =
            Set.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    public TokenizerSettings {
        specialTokens = Map.copyOf(specialTokens);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads tokenizer_config.json, special_tokens_map.json, chat_template.jinja and generation_config.json
     * from a model folder; each file is optional.
     */
    public static TokenizerSettings load(Path modelDir) throws IOException {
        JsonNode config = readJson(modelDir.resolve("tokenizer_config.json"));
        Map<String, String> tokens = new LinkedHashMap<>();
        collectTokens(config, tokens);
        if (config.has("extra_special_tokens") && config.get("extra_special_tokens").isObject()) {
            collectTokens(config.get("extra_special_tokens"), tokens); // v5: a dict of named extra tokens
        }
        // transformers 5 reads special_tokens_map.json only for configs without added_tokens_decoder (legacy),
        // and then its entries win over tokenizer_config.json
        if (!config.has("added_tokens_decoder")) {
            collectTokens(readJson(modelDir.resolve("special_tokens_map.json")), tokens);
        }
        JsonNode generation = readJson(modelDir.resolve("generation_config.json"));
        return new TokenizerSettings(tokens, chatTemplate(modelDir, config), ids(generation.get("eos_token_id")),
                ids(generation.get("bos_token_id")).stream().findFirst(),
                ids(generation.get("pad_token_id")).stream().findFirst());
    }

    /** A {@code *_token} value is a string or an AddedToken object with {@code content}; null means unset. */
    private static void collectTokens(JsonNode node, Map<String, String> tokens) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!NAMED_TOKENS.contains(key) && !key.endsWith("_token")) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                tokens.put(key, v.asText());
            } else if (v.isObject() && v.path("content").isTextual()) {
                tokens.put(key, v.get("content").asText());
            }
        }
    }

    /**
     * chat_template.jinja wins over tokenizer_config.json's {@code chat_template}, which is a string or a list
     * of {@code {name, template}} from which transformers uses "default".
     */
    private static Optional<String> chatTemplate(Path modelDir, JsonNode config) throws IOException {
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Optional.of(Files.readString(jinja));
        }
        JsonNode template = config.get("chat_template");
        if (template == null || template.isNull()) {
            return Optional.empty();
        }
        if (template.isTextual()) {
            return Optional.of(template.asText());
        }
        if (template.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : template) {
                names.add(named.path("name").asText());
                if ("default".equals(named.path("name").asText())) {
                    return Optional.of(named.path("template").asText());
                }
            }
            throw new IOException("tokenizer_config.json has chat templates " + names + " but none named \"default\"");
        }
        throw new IOException("tokenizer_config.json chat_template must be a string or a list, found " + template.getNodeType());
    }

    private static List<Integer> ids(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node != null && node.isIntegralNumber()) {
            ids.add(node.asInt());
        } else if (node != null && node.isArray()) {
            node.forEach(n -> ids.add(n.asInt()));
        }
        return ids;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? ConfigJson.readJson(file) : JSON.createObjectNode();
    }
}
