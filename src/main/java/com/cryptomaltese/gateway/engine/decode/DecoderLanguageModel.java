package com.cryptomaltese.gateway.engine.decode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.BrokenModelException;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.cryptomaltese.gateway.engine.sampling.Decoding;
import com.cryptomaltese.gateway.engine.tokenizer.HfTokenizer;
import com.cryptomaltese.gateway.engine.tokenizer.IncrementalDetokenizer;
import com.cryptomaltese.gateway.engine.tokenizer.Prompt;
import com.cryptomaltese.gateway.engine.tokenizer.PromptBuilder;
import com.cryptomaltese.gateway.engine.tokenizer.TokenCodec;
import com.cryptomaltese.gateway.engine.tokenizer.TokenizerSettings;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@link Decoder} (our own architectures on DJL, an exported graph, llama.cpp) with its tokenizer and chat
 * template: messages in, text out, with the same stop, usage, deadline and seed rules whichever
 * runtime computes the logits. Generations run one at a time: the model has one set of weights and
 * each sequence its own KV cache, and on a CPU two interleaved sequences would only halve each
 * other's speed.
 */
public final class DecoderLanguageModel implements LanguageModel {

    private final Decoder model;
    private final NDManager manager;
    private final TokenCodec tokenizer;
    private final PromptBuilder prompts;
    private final Set<Integer> eosIds;
    private final Generator generator;

    private DecoderLanguageModel(Decoder model, NDManager manager, TokenCodec tokenizer, PromptBuilder prompts,
                                 Set<Integer> eosIds) {
        this.model = model;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.prompts = prompts;
        this.eosIds = eosIds;
        this.generator = new Generator(model, manager, Clock.systemUTC());
    }

    /**
     * The model in {@code dir} (tokenizer files, configs) run by {@code model}; {@code manager} holds
     * the decode loop's arrays. The result owns and closes both.
     */
    public static DecoderLanguageModel create(Path dir, Decoder model, NDManager manager) throws IOException {
        TokenizerSettings settings = TokenizerSettings.load(dir);
        HfTokenizer tokenizer = HfTokenizer.load(dir);
        return new DecoderLanguageModel(model, manager, tokenizer, PromptBuilder.forModel(settings),
                eosIds(settings, dir));
    }

    /**
     * Reads what {@link #create} reads besides the model (tokenizer, its settings, end-of-sequence
     * ids), renders the chat template once, and keeps nothing: an engine's check before the loaded
     * model is given up.
     */
    public static void check(Path dir) throws IOException {
        TokenizerSettings settings = TokenizerSettings.load(dir);
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            tokenizer.encode("", false);
        }
        PromptBuilder.forModel(settings).check();
        eosIds(settings, dir);
    }

    /**
     * {@code model} with its own tokenizer, prompt builder and end-of-sequence ids (a GGUF file
     * carries all three). The result owns and closes the model, the tokenizer and {@code manager}.
     */
    public static DecoderLanguageModel of(Decoder model, NDManager manager, TokenCodec tokenizer, PromptBuilder prompts,
                                          Set<Integer> eosIds) {
        return new DecoderLanguageModel(model, manager, tokenizer, prompts, eosIds);
    }

    /** generation_config.json's {@code eos_token_id} (a number or a list), else config.json's. */
    private static Set<Integer> eosIds(TokenizerSettings settings, Path dir) throws IOException {
        Set<Integer> ids = new LinkedHashSet<>(settings.eosTokenIds());
        if (ids.isEmpty()) {
            JsonNode eos = ConfigJson.read(dir).path("eos_token_id");
            if (eos.isInt()) {
                ids.add(eos.asInt());
            }
            eos.forEach(id -> ids.add(id.asInt()));
        }
        return ids;
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline) {
        return generate(messages, params, deadline, null);
    }

    /**
     * Sampling and greedy search hand over each token's text as it comes (but for text that may yet
     * become a stop string, {@link StopText}); beam search knows its reply only at the end (its best
     * hypothesis can change up to the last step), so it hands over the whole text then, as transformers'
     * streamers, which refuse beam search, leave no other choice, and takes no stop strings.
     */
    @Override
    public synchronized GenerationResult generate(List<ChatMessage> messages, GenerationParams params,
                                                  Instant deadline, Consumer<String> onText) {
        int[] ids = tokenize(messages);
        if (ids.length == 0) {
            throw new BrokenModelException("its chat template and tokenizer make this conversation an empty prompt, "
                    + "and nothing can be generated from no tokens");
        }
        return generateFrom(ids, params, deadline, onText, false);
    }

    /**
     * The text as the tokenizer makes it, its special tokens (a BOS) added, as transformers' text
     * generation does; the reply's text continues it (its first word keeps its leading space).
     */
    @Override
    public synchronized GenerationResult complete(String text, GenerationParams params, Instant deadline,
                                                  Consumer<String> onText) {
        int[] ids = tokenizer.encode(text, true);
        if (ids.length == 0) {
            throw new UnsupportedParameterException("prompt", "is empty and the model's tokenizer adds no start token: "
                    + "there is nothing to continue");
        }
        return generateFrom(ids, params, deadline, onText, true);
    }

    /**
     * @param continuesPrompt whether the reply's text continues the prompt's (a completion) rather than
     *                        standing on its own (a chat reply, whose leading space is dropped)
     */
    private GenerationResult generateFrom(int[] ids, GenerationParams params, Instant deadline,
                                          Consumer<String> onText, boolean continuesPrompt) {
        checkRows(ids);
        Set<Integer> eos = params.eosOr(eosIds);
        boolean beams = Decoding.of(params) == Decoding.BEAM_SEARCH;
        if (beams && !params.stopStrings().isEmpty()) {
            throw new UnsupportedParameterException("stop", "does not work with beam search (num_beams > 1): its best "
                    + "hypothesis can change up to the last step");
        }
        if (beams) {
            Generator.Output out = generator.beamSearch(ids, params, eos, deadline);
            String text = tokenizer.decode(out.tokens(), true);
            // Cut off by its deadline, the reply is a failure to its caller: no piece is handed over.
            if (onText != null && out.finishReason() != GenerationResult.FinishReason.DEADLINE) {
                handOver(text, onText);
            }
            return new GenerationResult(text, out.finishReason(), ids.length, out.tokens().length);
        }
        // Pieces are made when someone takes them, a stop string is watched for or the reply continues the
        // prompt's text; the reply's text is then theirs.
        boolean pieced = onText != null || !params.stopStrings().isEmpty() || continuesPrompt;
        IncrementalDetokenizer pieces = !pieced ? null : continuesPrompt
                ? new IncrementalDetokenizer(tokenizer, true, ids[ids.length - 1])
                : new IncrementalDetokenizer(tokenizer, true);
        StopText reply = new StopText(params.stopStrings());
        Consumer<String> out = onText == null ? piece -> { } : onText;
        Generator.Output generated = generator.generateUntil(ids, params.maxLength(), eos,
                TokenSelector.of(params, random(params)), deadline, token -> {
                    if (pieces != null) {
                        handOver(reply.add(pieces.next(token)), out);
                    }
                    return reply.stopped();
                });
        // Cut off by its deadline, the reply is a failure to its caller: nothing more is handed over.
        if (pieces != null && generated.finishReason() != GenerationResult.FinishReason.DEADLINE) {
            handOver(reply.add(pieces.flush()), out);
            handOver(reply.finish(), out);
        }
        String text = params.stopStrings().isEmpty() && !continuesPrompt
                ? tokenizer.decode(generated.tokens(), true) : reply.reply();
        // A stop string can show only in what the detokenizer held back to the end (an incomplete character):
        // the reply still ended at it.
        GenerationResult.FinishReason finish = reply.stopped() ? GenerationResult.FinishReason.STOP : generated.finishReason();
        return new GenerationResult(text, finish, ids.length, generated.tokens().length);
    }

    private static void handOver(String piece, Consumer<String> onText) {
        if (!piece.isEmpty()) {
            onText.accept(piece);
        }
    }

    @Override
    public int contextLength() {
        return model.maxPositions();
    }

    @Override
    public int vocabularySize() {
        return model.vocabSize();
    }

    @Override
    public boolean rendersConversations() {
        return prompts.usesChatTemplate();
    }

    @Override
    public int promptTokens(List<ChatMessage> messages) {
        return tokenize(messages).length;
    }

    /** The prompt's token ids, as transformers builds them from the same messages. */
    public int[] tokenize(List<ChatMessage> messages) {
        Prompt prompt = prompts.build(messages);
        return tokenizer.encode(prompt.text(), prompt.addSpecialTokens());
    }

    /**
     * A tokenizer whose added tokens lie beyond the embedding table (a tokenizer.json from another
     * model, an added token the weights never got) would fail deep in the engine; only prompts that
     * hold such a token fail, so this is checked per prompt, not at load.
     */
    private void checkRows(int[] ids) {
        int rows = model.vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= rows) {
                throw new BrokenModelException("its tokenizer gives the prompt token " + id + " ("
                        + tokenizer.decode(new int[] {id}, false) + "), but its weights have " + rows
                        + " token rows; its tokenizer and weights do not match");
            }
        }
    }

    /** Seeded when the parameters carry a seed, so the same request samples the same reply. */
    private static RandomGenerator random(GenerationParams params) {
        return params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    @Override
    public long memoryBytes() {
        return model.weightBytes();
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }
}
