package com.cryptomaltese.gateway.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The golden script's bigram model as a {@link BeamStepper}: next-token logits are the table row of
 * each beam's last token. It counts its steps and records every advance, so tests can check when the
 * search stopped and what it asked for.
 */
final class BigramStepper implements BeamStepper {

    private final float[][] table; // (vocab, vocab)
    private int[] lastTokens;
    final List<int[]> parentsSeen = new ArrayList<>();
    int logitsCalls;

    BigramStepper(float[][] table, int[] prompt, int beams) {
        this.table = table;
        this.lastTokens = new int[beams];
        Arrays.fill(lastTokens, prompt[prompt.length - 1]);
    }

    @Override
    public float[][] logits() {
        logitsCalls++;
        float[][] rows = new float[lastTokens.length][];
        for (int b = 0; b < rows.length; b++) {
            rows[b] = table[lastTokens[b]].clone();
        }
        return rows;
    }

    @Override
    public void advance(int[] parentBeam, int[] token) {
        parentsSeen.add(parentBeam.clone());
        lastTokens = token.clone(); // a bigram's state is its last token, so no reordering is needed
    }
}
