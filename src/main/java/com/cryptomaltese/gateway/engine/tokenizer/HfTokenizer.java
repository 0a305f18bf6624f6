package com.cryptomaltese.gateway.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model's Hugging Face fast tokenizer ({@code tokenizer.json}) on DJL's native tokenizers binding.
 *
 * <p>DJL truncates to 512 tokens and pads by default; a prompt or a generated sequence must never be
 * cut silently, so truncation and padding are off and the length limit is as large as it goes.
 * Only tokenizer.json is read: DJL would otherwise take {@code model_max_length} from tokenizer_config.json.
 */
public final class HfTokenizer implements TokenCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;

    private HfTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads {@code tokenizer.json} from a model folder. */
    public static HfTokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException("No tokenizer.json in " + modelDir);
        }
        Map<String, String> options = Map.of(
                "truncation", "false",
                "padding", "false",
                "modelMaxLength", Integer.toString(Integer.MAX_VALUE),
                "maxLength", Integer.toString(Integer.MAX_VALUE));
        byte[] json = Files.readAllBytes(file);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (RuntimeException e) {
            // The Rust tokenizers' own words ("EOF while parsing …"), with the file they are about.
            throw new IOException("tokenizer.json cannot be read: " + e.getMessage(), e);
        }
        try {
            JsonNode tree = JSON.readTree(json);
            checkPatterns(tree, "");
            checkVocabulary(tree);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new HfTokenizer(tokenizer);
    }

    /**
     * Every regular expression of the file (normalizers, pre-tokenizers, decoders, at any depth):
     * one that can backtrack without end would abort the process at a chat (see {@link RegexRepetitions}).
     */
    private static void checkPatterns(JsonNode node, String path) throws IOException {
        if (node.isObject()) {
            JsonNode regex = node.get("Regex");
            if (regex != null && regex.isTextual()) {
                var problem = RegexRepetitions.problem(regex.asText());
                if (problem.isPresent()) {
                    throw new IOException("tokenizer.json " + path + ".Regex " + JSON.writeValueAsString(regex.asText())
                            + " " + problem.get() + ": the tokenizers' regular expressions could backtrack on it "
                            + "without end and abort the process");
                }
            }
            for (var field : node.properties()) {
                checkPatterns(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkPatterns(node.get(i), path + "[" + i + "]");
            }
        }
    }

    /**
     * An empty {@code model.vocab} (an object for BPE, WordPiece and WordLevel, a list for Unigram)
     * loads in the tokenizers library, and then every text is no tokens and every reply empty.
     */
    private static void checkVocabulary(JsonNode tree) throws IOException {
        JsonNode vocab = tree.path("model").path("vocab");
        if ((vocab.isObject() || vocab.isArray()) && vocab.isEmpty()) {
            throw new IOException("tokenizer.json model.vocab is empty: every text would be no tokens");
        }
    }

    /** @param addSpecialTokens the tokenizer's post-processor adds e.g. BOS; false for text rendered by a chat template */
    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
