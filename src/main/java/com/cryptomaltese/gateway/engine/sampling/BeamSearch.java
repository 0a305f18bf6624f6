package com.cryptomaltese.gateway.engine.sampling;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;

/**
 * transformers' {@code GenerationMixin._beam_search} for one prompt (batch size 1), ported step by step
 * so the same model gives the same ids. Scores are float32 like torch's, including its -1e9 masks, because
 * which candidate wins can hinge on them.
 * <p>
 * Per step: {@code log_softmax} of the raw logits, then the processors (so a repetition penalty
 * scales log-probabilities, as in transformers), plus each beam's running score; the best
 * {@code max(2, 1 + eos count) * num_beams} candidates are kept. Candidates ending in eos (or at the
 * token limit) among the first {@code num_beams} become finished hypotheses scored
 * {@code sum log-probs / generated_length ^ length_penalty}, where the length counts generated tokens
 * only (eos included, prompt excluded: {@code cur_len + 1 - decoder_prompt_len}). The best non-finished
 * candidates continue. The search stops at the token limit, when {@code early_stopping} is true and
 * {@code num_beams} hypotheses are finished, or when the best running beam can no longer beat the worst
 * finished one (transformers' heuristic for {@code early_stopping} true and false alike).
 */
public final class BeamSearch {

    /** transformers' stand-in for minus infinity in beam bookkeeping */
    private static final float MASK = -1.0e9f;

    /** The best hypothesis: its new tokens (eos included when it ended on one) and its length-penalised score. */
    public record Result(int[] tokens, float score, FinishReason finishReason) {
    }

    private BeamSearch() {
    }

    public static Result run(BeamStepper stepper, int[] prompt, GenerationParams params, int... eosTokenIds) {
        if (Decoding.of(params) != Decoding.BEAM_SEARCH) {
            throw new IllegalArgumentException("beam search needs num_beams > 1 and do_sample=false, got num_beams="
                    + params.numBeams() + ", do_sample=" + params.doSample());
        }
        if (params.maxLength() < 1) {
            throw new IllegalArgumentException("max_length (new tokens) must be >= 1, got " + params.maxLength());
        }
        LogitsProcessor processors = LogitsPipeline.of(params);
        int beams = params.numBeams();
        int keep = Math.max(2, 1 + eosTokenIds.length) * beams;
        int maxLength = prompt.length + params.maxLength();
        double lengthPenalty = params.lengthPenalty(); // Python raises the length to it in double
        boolean earlyStopping = params.earlyStopping();

        int[][] running = new int[beams][];
        float[] runningScores = new float[beams];
        int[][] finished = new int[beams][];
        float[] finishedScores = new float[beams];
        boolean[] isFinished = new boolean[beams];
        for (int b = 0; b < beams; b++) {
            running[b] = prompt.clone();
            finished[b] = prompt.clone();
            runningScores[b] = b == 0 ? 0f : MASK; // only the first beam expands at the start
            finishedScores[b] = MASK;
        }
        boolean improvable = true; // is_early_stop_heuristic_unsatisfied
        int curLength = prompt.length;

        while (true) {
            float[][] logits = stepper.logits();
            if (logits.length != beams) {
                throw new IllegalStateException("stepper returned " + logits.length + " rows, expected " + beams);
            }
            int vocab = logits[0].length;
            if (beams * vocab < keep) {
                throw new IllegalArgumentException("vocabulary of " + vocab + " is too small for " + beams + " beams");
            }
            float[] accumulated = new float[beams * vocab];
            for (int b = 0; b < beams; b++) {
                float[] logProbs = Softmax.logProbabilities(logits[b]);
                processors.process(running[b], logProbs);
                for (int t = 0; t < vocab; t++) {
                    accumulated[b * vocab + t] = logProbs[t] + runningScores[b];
                }
            }

            // c. the best `keep` continuations over all beams
            int[] top = topIndices(accumulated, keep);
            int[][] candidates = new int[keep][];
            float[] candidateScores = new float[keep];
            int[] parents = new int[keep];
            boolean[] hits = new boolean[keep];
            for (int i = 0; i < keep; i++) {
                parents[i] = top[i] / vocab;
                int token = top[i] % vocab;
                candidates[i] = Arrays.copyOf(running[parents[i]], curLength + 1);
                candidates[i][curLength] = token;
                candidateScores[i] = accumulated[top[i]];
                hits[i] = contains(eosTokenIds, token) || curLength + 1 >= maxLength;
            }

            // e. the best candidates that did not stop keep running
            float[] continuing = new float[keep];
            for (int i = 0; i < keep; i++) {
                continuing[i] = candidateScores[i] + (hits[i] ? MASK : 0f);
            }
            int[] next = topIndices(continuing, beams);
            int[] nextParents = new int[beams];
            int[] nextTokens = new int[beams];
            for (int b = 0; b < beams; b++) {
                running[b] = candidates[next[b]];
                runningScores[b] = continuing[next[b]];
                nextParents[b] = parents[next[b]];
                nextTokens[b] = running[b][curLength];
            }

            // f. merge newly finished candidates into the finished hypotheses
            // transformers also masks candidates here when the finished set is full under early_stopping or
            // the heuristic says no improvement is possible, but both end the loop before this point.
            float divisor = (float) Math.pow(curLength + 1 - prompt.length, lengthPenalty);
            int merged = beams + keep;
            int[][] mergedSeqs = Arrays.copyOf(finished, merged);
            float[] mergedScores = Arrays.copyOf(finishedScores, merged);
            boolean[] mergedFinished = Arrays.copyOf(isFinished, merged);
            for (int i = 0; i < keep; i++) {
                boolean justFinished = hits[i] && i < beams; // only the top num_beams may finish
                float score = candidateScores[i] / divisor + (justFinished ? 0f : MASK);
                mergedSeqs[beams + i] = candidates[i];
                mergedScores[beams + i] = score;
                mergedFinished[beams + i] = justFinished;
            }
            int[] best = topIndices(mergedScores, beams);
            for (int b = 0; b < beams; b++) {
                finished[b] = mergedSeqs[best[b]];
                finishedScores[b] = mergedScores[best[b]];
                isFinished[b] = mergedFinished[best[b]];
            }

            // g. stop, or continue with the chosen beams
            curLength++;
            improvable = improvable && canImprove(runningScores[0], curLength - prompt.length, lengthPenalty,
                    finishedScores, isFinished);
            boolean allStopped = all(hits);
            if (!improvable || (all(isFinished) && earlyStopping) || allStopped) {
                break;
            }
            stepper.advance(nextParents, nextTokens);
        }
        int[] tokens = Arrays.copyOfRange(finished[0], prompt.length, finished[0].length);
        boolean eos = tokens.length > 0 && contains(eosTokenIds, tokens[tokens.length - 1]);
        return new Result(tokens, finishedScores[0], eos ? FinishReason.STOP : FinishReason.LENGTH);
    }

    /**
     * {@code _check_early_stop_heuristic} for boolean {@code early_stopping}: could the best running beam,
     * scored at its current length, still beat the worst finished hypothesis? Unfinished slots count as -1e9.
     */
    private static boolean canImprove(float bestRunning, int generated, double lengthPenalty,
            float[] finishedScores, boolean[] isFinished) {
        float bestPossible = bestRunning / (float) Math.pow(generated, lengthPenalty);
        float worst = Float.POSITIVE_INFINITY;
        for (float s : finishedScores) {
            worst = Math.min(worst, s);
        }
        for (boolean f : isFinished) {
            if (bestPossible > (f ? worst : MASK)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Indices of the {@code k} highest values, highest first ({@code torch.topk}); ties go to the lower
     * index, where torch leaves the order unspecified.
     */
    private static int[] topIndices(float[] values, int k) {
        return IntStream.range(0, values.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> values[i]).reversed())
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static boolean contains(int[] ids, int token) {
        for (int id : ids) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    private static boolean all(boolean[] flags) {
        for (boolean f : flags) {
            if (!f) {
                return false;
            }
        }
        return true;
    }
}
