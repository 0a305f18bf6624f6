package com.cryptomaltese.gateway.params;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.engine.sampling.Decoding;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A model's own generation defaults, from its {@code generation_config.json}, as transformers applies
 * them before the caller's arguments. Only keys present in the file count; the rest keep the gateway's
 * defaults. Keys for what the gateway does not do ({@code min_new_tokens}, {@code no_repeat_ngram_size}, …)
 * are named in a warning when their value would change transformers' generation. The file's {@code max_length} is left out: it counts the prompt too, where the gateway's
 * {@code max_length} is transformers' {@code max_new_tokens}, which is read instead.
 * <p>
 * Values the gateway cannot honour (out of its bounds, like {@code top_k: 0}, or of the wrong type,
 * like {@code early_stopping: "never"}) are skipped with a warning, so a model's file never makes its
 * chats fail. Each file is read once per modification.
 */
@Component
class GenerationConfigDefaults {

    private static final Logger log = LoggerFactory.getLogger(GenerationConfigDefaults.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Read(FileTime modified, long size, GenerationSettings values) {
    }

    private final ModelRegistry registry;
    private final Map<Path, Read> cache = new ConcurrentHashMap<>();

    GenerationConfigDefaults(ModelRegistry registry) {
        this.registry = registry;
    }

    /** The values of the model's generation_config.json the gateway applies; none if it has no such file. */
    GenerationSettings of(ModelId id) {
        return registry.snapshot(id).map(dir -> read(id, dir.resolve("generation_config.json")))
                .orElse(GenerationSettings.NONE);
    }

    private GenerationSettings read(ModelId id, Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class); // follows the Hub cache's symlinks
        } catch (IOException e) {
            cache.remove(file);
            return GenerationSettings.NONE;
        }
        Read known = cache.get(file);
        if (known != null && known.modified().equals(attributes.lastModifiedTime()) && known.size() == attributes.size()) {
            return known.values();
        }
        GenerationSettings values;
        try {
            List<String> skipped = new ArrayList<>();
            values = parse(JSON.readTree(file.toFile()), skipped);
            if (!skipped.isEmpty()) {
                log.warn("generation_config.json of {}: ignoring {}", id, String.join("; ", skipped));
            }
        } catch (IOException e) {
            log.warn("generation_config.json of {} is not readable JSON, ignoring it: {}", id, e.getMessage());
            values = GenerationSettings.NONE;
        }
        cache.put(file, new Read(attributes.lastModifiedTime(), attributes.size(), values));
        return values;
    }

    /**
     * Keys of transformers' generation config that the gateway does not apply, with the value at which
     * they change nothing there (transformers' default); any other value is named in the warning, as
     * the model's authors meant it to change generation.
     */
    private static final Map<String, Double> UNAPPLIED_NUMBERS = Map.ofEntries(Map.entry("min_length", 0.0),
            Map.entry("no_repeat_ngram_size", 0.0), Map.entry("typical_p", 1.0), Map.entry("epsilon_cutoff", 0.0),
            Map.entry("eta_cutoff", 0.0), Map.entry("diversity_penalty", 0.0), Map.entry("num_beam_groups", 1.0),
            Map.entry("encoder_repetition_penalty", 1.0), Map.entry("encoder_no_repeat_ngram_size", 0.0),
            Map.entry("guidance_scale", 1.0), Map.entry("penalty_alpha", 0.0), Map.entry("min_new_tokens", 0.0),
            Map.entry("min_p", 0.0));
    /** Of those, the ones transformers applies only when sampling. */
    private static final List<String> SAMPLING_ONLY = List.of("typical_p", "epsilon_cutoff", "eta_cutoff", "min_p");
    private static final List<String> UNAPPLIED_OTHERS = List.of("bad_words_ids",
            "suppress_tokens", "begin_suppress_tokens", "forced_bos_token_id", "forced_eos_token_id", "sequence_bias",
            "exponential_decay_length_penalty", "force_words_ids", "constraints", "stop_strings", "max_time",
            "watermarking_config");

    /** The file's values the gateway can apply; what it cannot is described in {@code skipped}. */
    static GenerationSettings parse(JsonNode config, List<String> skipped) {
        if (!config.isObject()) {
            skipped.add("the file is not a JSON object");
            return GenerationSettings.NONE;
        }
        boolean greedy = config.path("do_sample").isBoolean() && !config.path("do_sample").booleanValue();
        config.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            Double neutral = UNAPPLIED_NUMBERS.get(field.getKey());
            boolean unapplied = (neutral != null || UNAPPLIED_OTHERS.contains(field.getKey()))
                    && !(greedy && SAMPLING_ONLY.contains(field.getKey()));
            // null, an empty list or the neutral number change nothing in transformers either
            boolean changes = !value.isNull() && !(value.isContainerNode() && value.isEmpty())
                    && !(neutral != null && value.isNumber() && value.doubleValue() == neutral);
            if (unapplied && changes) {
                skipped.add(field.getKey() + " " + value + ": not applied by the gateway (transformers would apply it)");
            }
        });
        Map<Parameter, Object> values = new EnumMap<>(Parameter.class);
        read(config, "temperature", JsonType.NUMBER, Parameter.TEMPERATURE, values, skipped);
        read(config, "top_k", JsonType.INTEGER, Parameter.TOP_K, values, skipped);
        read(config, "top_p", JsonType.NUMBER, Parameter.TOP_P, values, skipped);
        read(config, "max_new_tokens", JsonType.INTEGER, Parameter.MAX_LENGTH, values, skipped);
        read(config, "repetition_penalty", JsonType.NUMBER, Parameter.REPETITION_PENALTY, values, skipped);
        read(config, "do_sample", JsonType.BOOLEAN, Parameter.DO_SAMPLE, values, skipped);
        read(config, "num_beams", JsonType.INTEGER, Parameter.NUM_BEAMS, values, skipped);
        read(config, "length_penalty", JsonType.NUMBER, Parameter.LENGTH_PENALTY, values, skipped);
        read(config, "early_stopping", JsonType.BOOLEAN, Parameter.EARLY_STOPPING, values, skipped);
        read(config, "pad_token_id", JsonType.INTEGER, Parameter.PAD_TOKEN_ID, values, skipped);
        JsonNode eos = config.get("eos_token_id");
        if (eos != null && !eos.isNull()) {
            try {
                keepIfValid("eos_token_id", Parameter.EOS_TOKEN_ID, TokenIds.fromJson(eos), values, skipped);
            } catch (IllegalArgumentException e) {
                skipped.add("eos_token_id " + eos + ": " + e.getMessage());
            }
        }
        GenerationSettings settings = Parameter.fromValues(values);
        // Beam sampling is refused by the gateway: beams from the file would make every chat fail.
        if (settings.numBeams() != null && settings.numBeams() > 1) {
            try {
                Decoding.of(Parameter.defaults().overlay(settings).toGenerationParams());
            } catch (IllegalArgumentException e) {
                skipped.add("num_beams " + settings.numBeams() + ": " + e.getMessage());
                values.remove(Parameter.NUM_BEAMS);
                settings = Parameter.fromValues(values);
            }
        }
        return settings;
    }

    /** How a key's JSON value must look, and the Java value it becomes. */
    private enum JsonType {
        NUMBER("a number", JsonNode::isNumber, JsonNode::doubleValue),
        INTEGER("an integer", node -> node.isIntegralNumber() && node.canConvertToInt(), JsonNode::intValue),
        BOOLEAN("a boolean", JsonNode::isBoolean, JsonNode::booleanValue);

        final String description;
        final Predicate<JsonNode> accepts;
        final Function<JsonNode, Object> value;

        JsonType(String description, Predicate<JsonNode> accepts, Function<JsonNode, Object> value) {
            this.description = description;
            this.accepts = accepts;
            this.value = value;
        }
    }

    /** The file's {@code key} as parameter {@code p}, when present, of {@code type} and valid; else why not. */
    private static void read(JsonNode config, String key, JsonType type, Parameter p, Map<Parameter, Object> values,
                             List<String> skipped) {
        JsonNode node = config.get(key);
        if (node == null || node.isNull()) {
            return;
        }
        if (type.accepts.test(node)) {
            keepIfValid(key, p, type.value.apply(node), values, skipped);
        } else {
            skipped.add(key + " " + node + ": not " + type.description);
        }
    }

    private static void keepIfValid(String key, Parameter p, Object value, Map<Parameter, Object> values,
                                    List<String> skipped) {
        Map<Parameter, Object> single = new EnumMap<>(Parameter.class);
        single.put(p, value);
        List<FieldProblem> problems = Parameter.validate(Parameter.fromValues(single), "");
        if (problems.isEmpty()) {
            values.put(p, value);
        } else {
            skipped.add(key + " " + value + ": " + problems.get(0).problem());
        }
    }
}
