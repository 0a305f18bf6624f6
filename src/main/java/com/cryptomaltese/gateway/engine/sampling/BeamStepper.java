package com.cryptomaltese.gateway.engine.sampling;

/**
 * The model as beam search sees it: {@code num_beams} live sequences that share a prompt. It keeps
 * the search free of any model, so tests drive it with a lookup table and the engine with a
 * transformer whose KV cache it reorders.
 */
public interface BeamStepper {

    /**
     * Raw next-token logits, one row of vocabulary size per beam ({@code num_beams} rows). Before the
     * first {@link #advance} every beam holds just the prompt, so all rows are equal.
     */
    float[][] logits();

    /**
     * Beam {@code i} becomes the old beam {@code parentBeam[i]} followed by {@code token[i]}: the engine
     * reorders its cache rows by {@code parentBeam} and feeds the tokens. Not called after the last step.
     */
    void advance(int[] parentBeam, int[] token);
}
