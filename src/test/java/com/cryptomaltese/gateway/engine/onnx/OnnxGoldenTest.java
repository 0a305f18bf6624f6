package com.cryptomaltese.gateway.engine.onnx;

import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.eos;
import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.golden;
import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.ints;
import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.params;
import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.exported.ExportedConfig;
import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX exports on ONNX Runtime, through our decode loop, reproduce what transformers computed on
 * the original models: last-position logits, greedy, repetition-penalty and beam-search token ids.
 * {@code gpt2-no-positions} takes no {@code position_ids} (the graph derives positions from the
 * cache's length), as older Optimum GPT-2 exports.
 */
class OnnxGoldenTest {

    /** Export and runtime differ from transformers in float rounding only; goldens' greedy margins are far larger. */
    static final double LOGITS_TOLERANCE = 1e-4;

    NDManager manager;
    OnnxDecoder decoder;

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

    private OnnxDecoder load(String name) throws IOException {
        Path dir = OnnxFixtures.ONNX.resolve(name);
        decoder = OnnxDecoder.load(OnnxFolder.graph(dir).orElseThrow(), ExportedConfig.read(dir));
        return decoder;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "gpt2-no-positions"})
    void lastLogitsMatchTransformersWholeAndInPieces(String name) throws IOException {
        JsonNode golden = golden(OnnxFixtures.ORIGINAL.get(name));
        int[] plain = ints(golden.at("/prompts/plain/ids"));
        float[] expected = floats(golden.at("/logits_last/values"));
        load(name);
        try (DecoderState whole = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            assertThat(maxDiff(whole.forward(plain, step).toFloatArray(), expected)).isLessThan(LOGITS_TOLERANCE);
        }
        // A prompt run over a cache that already holds positions: the path of long prompts (run in
        // chunks) and of every decode step.
        try (DecoderState pieces = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            pieces.forward(Arrays.copyOfRange(plain, 0, 7), step);
            pieces.forward(Arrays.copyOfRange(plain, 7, 8), step);
            float[] last = pieces.forward(Arrays.copyOfRange(plain, 8, plain.length), step).toFloatArray();
            assertThat(maxDiff(last, expected)).isLessThan(LOGITS_TOLERANCE);
        }
    }

    /**
     * A prompt longer than one chunk ({@link ExportedDecoder#PROMPT_CHUNK}) gives the logits our own
     * forward pass (itself held to transformers' goldens) computes on the safetensors original.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "gpt2-no-positions"})
    void aPromptOfSeveralChunksMatchesTheDjlForwardPass(String name) throws IOException {
        int[] prompt = new int[ExportedDecoder.PROMPT_CHUNK + 37];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37 + 11) % 384;
        }
        float[] reference;
        Path original = OnnxFixtures.MODELS.resolve(OnnxFixtures.ORIGINAL.get(name));
        try (SafetensorsModel weights = SafetensorsModel.open(original);
             DecoderModel model = Architectures.load(original, weights, manager);
             NDManager step = manager.newSubManager();
             KvCache cache = model.newCache(step)) {
            reference = model.forward(prompt, cache, step).toFloatArray();
        }
        load(name);
        try (DecoderState state = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            assertThat(maxDiff(state.forward(prompt, step).toFloatArray(), reference)).isLessThan(LOGITS_TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "gpt2-no-positions"})
    void greedyIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(OnnxFixtures.ORIGINAL.get(name));
        Generator generator = new Generator(load(name), manager, Clock.systemUTC());
        for (String run : new String[] {"greedy", "plain_greedy"}) {
            JsonNode expected = golden.get(run);
            Generator.Output out = generator.generate(prompt(golden, expected), expected.at("/kwargs/max_new_tokens").asInt(),
                    eos(expected), TokenSelector.greedy(), Instant.now().plusSeconds(60), token -> { });
            assertThat(out.tokens()).as(name + " " + run).containsExactly(ints(expected.get("new_ids")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "gpt2-no-positions"})
    void repetitionPenaltyAndBeamSearchIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(OnnxFixtures.ORIGINAL.get(name));
        Generator generator = new Generator(load(name), manager, Clock.systemUTC());

        JsonNode penalised = golden.get("repetition_penalty");
        GenerationParams greedy = params(penalised.get("kwargs"));
        Generator.Output out = generator.generate(prompt(golden, penalised), greedy.maxLength(), eos(penalised),
                TokenSelector.of(greedy, new SplittableRandom(0)), Instant.now().plusSeconds(60), token -> { });
        assertThat(out.tokens()).as(name + " repetition_penalty").containsExactly(ints(penalised.get("new_ids")));

        JsonNode beam = golden.get("beam");
        Generator.Output best = generator.beamSearch(prompt(golden, beam), params(beam.get("kwargs")), eos(beam),
                Instant.now().plusSeconds(60));
        assertThat(best.tokens()).as(name + " beam").containsExactly(ints(beam.get("new_ids")));
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    private static double maxDiff(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }
}
