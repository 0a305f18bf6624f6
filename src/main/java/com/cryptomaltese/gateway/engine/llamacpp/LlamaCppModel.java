package com.cryptomaltese.gateway.engine.llamacpp;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.PromptTooLongException;
import com.cryptomaltese.gateway.engine.tokenizer.Prompt;
import com.cryptomaltese.gateway.engine.tokenizer.PromptBuilder;
import de.kherud.llama.LlamaModel;

/**
 * A GGUF model on llama.cpp. Prompts are built as for every other model (the chat template from
 * the GGUF header, rendered by our own Jinja renderer) and tokenized by llama.cpp's tokenizer;
 * generation streams one piece per token, so the deadline is checked between tokens. Generations
 * run one at a time: llama.cpp is given one sequence slot, and on a CPU two interleaved sequences
 * would only halve each other's speed.
 */
final class LlamaCppModel implements LanguageModel {

    private final LlamaModel llama;
    private final Consumer<LlamaModel> release;
    private final GgufVocabulary vocabulary;
    private final PromptBuilder prompts;
    private final int contextLength;
    private final long memoryBytes;
    private final Clock clock;
    private boolean closed;

    /** @param release takes the native model when this one is closed (see {@link ParkedModels}) */
    LlamaCppModel(LlamaModel llama, Consumer<LlamaModel> release, GgufVocabulary vocabulary, int contextLength,
                  long memoryBytes, Clock clock) {
        this.llama = llama;
        this.release = release;
        this.vocabulary = vocabulary;
        this.prompts = PromptBuilder.forModel(vocabulary.settings(), clock);
        this.contextLength = contextLength;
        this.memoryBytes = memoryBytes;
        this.clock = clock;
    }

    @Override
    public synchronized GenerationResult generate(List<ChatMessage> messages, GenerationParams params,
                                                  Instant deadline) {
        CompletionRequest.check(params);
        requireOpen();
        int[] prompt = tokenize(messages);
        int room = contextLength - prompt.length;
        if (room <= 0) {
            throw new PromptTooLongException(prompt.length, contextLength - 1);
        }
        int limit = Math.min(params.maxLength(), room);
        if (!clock.instant().isBefore(deadline)) {
            return new GenerationResult("", FinishReason.DEADLINE, prompt.length, 0);
        }
        int task = NativeCompletions.request(llama, CompletionRequest.json(prompt, limit, params));
        StringBuilder text = new StringBuilder();
        int pieces = 0;
        boolean lastEmpty = false;
        while (true) {
            NativeCompletions.Piece piece = NativeCompletions.receive(llama, task);
            if (piece.last()) {
                break;
            }
            pieces++;
            text.append(piece.text());
            lastEmpty = piece.text().isEmpty();
            if (!clock.instant().isBefore(deadline)) {
                NativeCompletions.cancel(llama, task);
                return new GenerationResult(text.toString(), FinishReason.DEADLINE, prompt.length, pieces);
            }
        }
        FinishReason finish = finishReason(pieces, limit, lastEmpty);
        return new GenerationResult(text.toString(), finish, prompt.length, finish == FinishReason.STOP ? pieces : limit);
    }

    /**
     * llama.cpp streams one piece per token, except that a token ending inside a UTF-8 character is
     * held back and sent with the token that completes it; it does not report why it stopped. An
     * end-of-generation token is sent as an empty piece (special tokens are not rendered), so a
     * stream shorter than the limit that ends on an empty piece stopped there; one that ends on
     * text reached the limit with some tokens merged into others' pieces.
     */
    private static FinishReason finishReason(int pieces, int limit, boolean lastEmpty) {
        return pieces < limit && lastEmpty ? FinishReason.STOP : FinishReason.LENGTH;
    }

    /** The prompt's token ids, exactly as transformers would build them from the same text. */
    synchronized int[] tokenize(List<ChatMessage> messages) {
        requireOpen();
        Prompt prompt = prompts.build(messages);
        // Text is tokenized without special tokens added, and special-token text (e.g. <|im_end|>
        // from a template) parsed as those tokens, as transformers tokenizes a rendered template.
        int[] ids = llama.encode(prompt.text());
        if (!prompt.addSpecialTokens()) {
            return ids;
        }
        int start = vocabulary.addBos() ? 1 : 0;
        int[] withSpecials = new int[start + ids.length + (vocabulary.addEos() ? 1 : 0)];
        if (start == 1) {
            withSpecials[0] = vocabulary.bosId();
        }
        System.arraycopy(ids, 0, withSpecials, start, ids.length);
        if (vocabulary.addEos()) {
            withSpecials[withSpecials.length - 1] = vocabulary.eosId();
        }
        return withSpecials;
    }

    /** The native model, for the decode benchmark, which drives completions with token ids. */
    LlamaModel llama() {
        return llama;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public int promptTokens(List<ChatMessage> messages) {
        return tokenize(messages).length;
    }

    @Override
    public long memoryBytes() {
        return memoryBytes;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the model has been unloaded");
        }
    }

    /**
     * Hands the native model back for a later load of the same file: the binding cannot free it
     * (see {@link ParkedModels} and the README's GGUF section).
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release.accept(llama);
        }
    }
}
