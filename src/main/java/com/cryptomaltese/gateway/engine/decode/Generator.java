package com.cryptomaltese.gateway.engine.decode;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.BrokenModelException;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.PromptTooLongException;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.sampling.BeamSearch;

/**
 * The decode loop over one {@link Decoder}: the prompt in one forward pass, then one token
 * per step until end-of-sequence, {@code max_length} new tokens, or the deadline. Each step's
 * temporaries live in a sub-manager closed at the end of the step; the sequence's state (its KV
 * cache) lives as long as the sequence.
 */
public final class Generator {

    /** Token ids produced (end-of-sequence included when it ended the generation) and why it stopped. */
    public record Output(int[] tokens, FinishReason finishReason) {
    }

    private final Decoder model;
    private final NDManager manager;
    private final Clock clock;

    public Generator(DecoderModel model, NDManager manager, Clock clock) {
        this(Decoder.of(model), manager, clock);
    }

    public Generator(Decoder model, NDManager manager, Clock clock) {
        this.model = model;
        this.manager = manager;
        this.clock = clock;
    }

    public Output generate(int[] prompt, int maxNewTokens, Set<Integer> eosIds, TokenSelector selector,
                           Instant deadline, IntConsumer onToken) {
        return generateUntil(prompt, maxNewTokens, eosIds, selector, deadline, token -> {
            onToken.accept(token);
            return false;
        });
    }

    /**
     * As above; {@code endsHere} sees each new token and answers whether the generation ends with it
     * (a stop string completed), which then finishes as {@code STOP}.
     */
    public Output generateUntil(int[] prompt, int maxNewTokens, Set<Integer> eosIds, TokenSelector selector,
                                Instant deadline, IntPredicate endsHere) {
        int limit = Math.min(maxNewTokens, room(prompt));
        int[] sequence = Arrays.copyOf(prompt, prompt.length + limit);
        int length = prompt.length;
        int[] input = prompt;
        try (NDManager sequenceManager = manager.newSubManager();
             DecoderState state = model.newState(sequenceManager)) {
            while (length - prompt.length < limit) {
                if (!clock.instant().isBefore(deadline)) {
                    return new Output(Arrays.copyOfRange(sequence, prompt.length, length), FinishReason.DEADLINE);
                }
                int next;
                try (NDManager step = manager.newSubManager()) {
                    NDArray logits = state.forward(input, step);
                    // Greedy needs one index, not the vocabulary's logits copied out (torch.argmax
                    // also takes the lowest index on a tie).
                    next = selector == TokenSelector.greedy()
                            ? argMax(logits)
                            : selector.select(Arrays.copyOf(sequence, length), logits.toFloatArray());
                }
                sequence[length++] = next;
                if (endsHere.test(next) || eosIds.contains(next)) {
                    return new Output(Arrays.copyOfRange(sequence, prompt.length, length), FinishReason.STOP);
                }
                input = new int[] {next};
            }
        }
        return new Output(Arrays.copyOfRange(sequence, prompt.length, length), FinishReason.LENGTH);
    }

    /**
     * torch.argmax takes a NaN for the largest score and would go on choosing tokens from scores that
     * mean nothing (an empty or garbage reply); torch.max propagates NaN, so one look tells.
     */
    private static int argMax(NDArray logits) {
        if (Float.isNaN(logits.max().getFloat())) {
            throw BrokenModelException.nanScores();
        }
        return (int) logits.argMax().getLong();
    }

    /**
     * transformers' beam search ({@code do_sample=false, num_beams>1}) with the parameters'
     * {@code length_penalty} and {@code early_stopping}; the best hypothesis' new tokens.
     */
    public Output beamSearch(int[] prompt, GenerationParams params, Set<Integer> eosIds, Instant deadline) {
        int limit = Math.min(params.maxLength(), room(prompt));
        GenerationParams capped = params.withMaxLength(limit);
        int[] eos = eosIds.stream().mapToInt(Integer::intValue).toArray();
        try (NDManager sequenceManager = manager.newSubManager();
             CachedBeamStepper stepper = new CachedBeamStepper(model, sequenceManager, prompt, params.numBeams(),
                     deadline, clock)) {
            BeamSearch.Result best = BeamSearch.run(stepper, prompt, capped, eos);
            return new Output(best.tokens(), best.finishReason());
        } catch (CachedBeamStepper.DeadlinePassed e) {
            return new Output(new int[0], FinishReason.DEADLINE);
        }
    }

    /**
     * New tokens the model's context leaves after the prompt: one more than its free positions, since
     * the last new token is never run through the model (transformers generates one token from a
     * prompt that fills the context).
     */
    private int room(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length > model.maxPositions()) {
            throw new PromptTooLongException(prompt.length, model.maxPositions());
        }
        return model.maxPositions() - prompt.length + 1;
    }
}
