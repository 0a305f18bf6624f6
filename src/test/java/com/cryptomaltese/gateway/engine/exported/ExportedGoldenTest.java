package com.cryptomaltese.gateway.engine.exported;

import static com.cryptomaltese.gateway.engine.exported.Goldens.eos;
import static com.cryptomaltese.gateway.engine.exported.Goldens.floats;
import static com.cryptomaltese.gateway.engine.exported.Goldens.golden;
import static com.cryptomaltese.gateway.engine.exported.Goldens.ints;
import static com.cryptomaltese.gateway.engine.exported.Goldens.maxDiff;
import static com.cryptomaltese.gateway.engine.exported.Goldens.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An exported fixture model (ONNX, TorchScript, GGUF), through our decode loop, reproduces what
 * transformers computed on the original (its golden.json): last-position logits, greedy,
 * repetition-penalty and beam-search ids. Each format's test names its exports in a static
 * {@code exports()} and opens them.
 */
public abstract class ExportedGoldenTest {

    /** Export and runtime differ from transformers in float rounding only; the greedy margins are far larger. */
    static final double LOGITS_TOLERANCE = 1e-4;

    /** Largest difference allowed from transformers' logits; a runtime that rounds more says why. */
    protected double logitsTolerance() {
        return LOGITS_TOLERANCE;
    }

    private NDManager manager;
    private Decoder decoder;

    /** The export {@code name}, loaded. */
    protected abstract Decoder open(String name) throws IOException;

    /** The fixture model (under fixtures/models) the export {@code name} was made from. */
    protected abstract String original(String name);

    @BeforeEach
    void manager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        if (decoder != null) {
            decoder.close();
        }
        manager.close();
    }

    private Decoder load(String name) throws IOException {
        decoder = open(name);
        return decoder;
    }

    @ParameterizedTest
    @MethodSource("exports")
    public void lastLogitsMatchTransformersWholeAndInPieces(String name) throws IOException {
        JsonNode golden = golden(original(name));
        int[] plain = ints(golden.at("/prompts/plain/ids"));
        float[] expected = floats(golden.at("/logits_last/values"));
        load(name);
        try (DecoderState whole = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            assertThat(maxDiff(whole.forward(plain, step).toFloatArray(), expected)).isLessThan(logitsTolerance());
        }
        // A prompt run over a cache that already holds positions: the path of long prompts (run in
        // chunks) and of every decode step.
        try (DecoderState pieces = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            pieces.forward(Arrays.copyOfRange(plain, 0, 7), step);
            pieces.forward(Arrays.copyOfRange(plain, 7, 8), step);
            float[] last = pieces.forward(Arrays.copyOfRange(plain, 8, plain.length), step).toFloatArray();
            assertThat(maxDiff(last, expected)).isLessThan(logitsTolerance());
        }
    }

    /**
     * A prompt longer than one chunk ({@link ExportedDecoder#PROMPT_CHUNK}) gives the logits our own
     * forward pass (itself held to transformers' goldens) computes on the safetensors original.
     */
    @ParameterizedTest
    @MethodSource("exports")
    public void aPromptOfSeveralChunksMatchesTheDjlForwardPass(String name) throws IOException {
        int[] prompt = new int[ExportedDecoder.PROMPT_CHUNK + 37];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37 + 11) % 384;
        }
        float[] reference;
        Path original = Goldens.MODELS.resolve(original(name));
        try (SafetensorsModel weights = SafetensorsModel.open(original);
             DecoderModel model = Architectures.load(original, weights, manager);
             NDManager step = manager.newSubManager();
             KvCache cache = model.newCache(step)) {
            reference = model.forward(prompt, cache, step).toFloatArray();
        }
        load(name);
        try (DecoderState state = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            assertThat(maxDiff(state.forward(prompt, step).toFloatArray(), reference)).isLessThan(logitsTolerance());
        }
    }

    @ParameterizedTest
    @MethodSource("exports")
    public void greedyIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(original(name));
        Generator generator = new Generator(load(name), manager, Clock.systemUTC());
        for (String run : new String[] {"greedy", "plain_greedy"}) {
            JsonNode expected = golden.get(run);
            Generator.Output out = generator.generate(prompt(golden, expected), expected.at("/kwargs/max_new_tokens").asInt(),
                    eos(expected), TokenSelector.greedy(), Instant.now().plusSeconds(60), token -> { });
            assertThat(out.tokens()).as(name + " " + run).containsExactly(ints(expected.get("new_ids")));
        }
    }

    @ParameterizedTest
    @MethodSource("exports")
    public void repetitionPenaltyAndBeamSearchIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(original(name));
        Goldens.assertPenaltyAndBeamIds(new Generator(load(name), manager, Clock.systemUTC()), golden, name);
    }
}
