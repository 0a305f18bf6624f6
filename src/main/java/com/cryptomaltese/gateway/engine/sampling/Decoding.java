package com.cryptomaltese.gateway.engine.sampling;

import com.cryptomaltese.gateway.engine.GenerationParams;

/** How a generation picks its tokens, decided once from its parameters. */
public enum Decoding {
    /** argmax of the processed scores, one sequence */
    GREEDY,
    /** a draw from the softmax of the processed scores, one sequence */
    SAMPLE,
    /** transformers' beam search ({@code do_sample=false}, {@code num_beams>1}) */
    BEAM_SEARCH;

    /**
     * The decoding for {@code params}, or an {@link IllegalArgumentException} naming the offending
     * parameter. Temperature 0 with {@code do_sample=true} is the gateway's own choice: it means greedy
     * (the limit of ever colder sampling), where transformers would refuse the temperature.
     * Beam sampling ({@code num_beams>1} with sampling) is not implemented and refused.
     */
    public static Decoding of(GenerationParams params) {
        if (params.numBeams() < 1) {
            throw new IllegalArgumentException("num_beams must be >= 1, got " + params.numBeams());
        }
        if (params.temperature() < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + params.temperature());
        }
        boolean sampling = params.doSample() && params.temperature() > 0;
        if (params.numBeams() > 1) {
            if (sampling) {
                throw new IllegalArgumentException("num_beams > 1 (got " + params.numBeams()
                        + ") cannot be combined with do_sample=true: beam sampling is not supported");
            }
            return BEAM_SEARCH;
        }
        return sampling ? SAMPLE : GREEDY;
    }
}
