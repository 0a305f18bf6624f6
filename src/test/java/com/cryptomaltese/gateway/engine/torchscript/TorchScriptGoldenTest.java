package com.cryptomaltese.gateway.engine.torchscript;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The traced fixture models (tools/fixtures/export_torchscript.py) on DJL's PyTorch engine, through
 * our decode loop, reproduce what transformers computed on the originals (their golden.json):
 * last-position logits, greedy, repetition-penalty and beam-search token ids.
 */
class TorchScriptGoldenTest {

    static final Path TORCHSCRIPT = Path.of("src/test/resources/fixtures/torchscript").toAbsolutePath();
    static final Path MODELS = Path.of("src/test/resources/fixtures/models").toAbsolutePath();

    /** Tracing changes float rounding only; the goldens' greedy margins are far larger. */
    static final double LOGITS_TOLERANCE = 1e-4;

    NDManager manager;
    TorchScriptDecoder decoder;

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

    private TorchScriptDecoder load(String name) throws IOException {
        Path dir = TORCHSCRIPT.resolve(name);
        decoder = TorchScriptDecoder.load(TorchScriptFolder.program(dir), dir);
        return decoder;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void lastLogitsMatchTransformersWholeAndInPieces(String name) throws IOException {
        JsonNode golden = golden(name);
        int[] plain = ints(golden.at("/prompts/plain/ids"));
        float[] expected = floats(golden.at("/logits_last/values"));
        load(name);
        try (DecoderState whole = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            assertThat(maxDiff(whole.forward(plain, step).toFloatArray(), expected)).isLessThan(LOGITS_TOLERANCE);
        }
        try (DecoderState pieces = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            pieces.forward(Arrays.copyOfRange(plain, 0, 7), step);
            pieces.forward(Arrays.copyOfRange(plain, 7, 8), step);
            float[] last = pieces.forward(Arrays.copyOfRange(plain, 8, plain.length), step).toFloatArray();
            assertThat(maxDiff(last, expected)).isLessThan(LOGITS_TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void greedyIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(name);
        Generator generator = new Generator(load(name), manager, Clock.systemUTC());
        for (String run : new String[] {"greedy", "plain_greedy"}) {
            JsonNode expected = golden.get(run);
            Generator.Output out = generator.generate(prompt(golden, expected), expected.at("/kwargs/max_new_tokens").asInt(),
                    eos(expected), TokenSelector.greedy(), Instant.now().plusSeconds(60), token -> { });
            assertThat(out.tokens()).as(name + " " + run).containsExactly(ints(expected.get("new_ids")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void repetitionPenaltyAndBeamSearchIdsMatchTransformers(String name) throws IOException {
        JsonNode golden = golden(name);
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

    /**
     * A prompt longer than one chunk ({@link ExportedDecoder#PROMPT_CHUNK}) gives the logits our own
     * forward pass (itself held to transformers' goldens) computes on the safetensors original.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aPromptOfSeveralChunksMatchesTheDjlForwardPass(String name) throws IOException {
        int[] prompt = new int[ExportedDecoder.PROMPT_CHUNK + 37];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37 + 11) % 384;
        }
        float[] reference;
        Path original = MODELS.resolve(name);
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

    static JsonNode golden(String name) {
        try {
            return new ObjectMapper().readTree(MODELS.resolve(name).resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GenerationParams params(JsonNode kwargs) {
        return new GenerationParams(1.0, 0, 1.0, kwargs.get("max_new_tokens").asInt(),
                kwargs.path("repetition_penalty").asDouble(1.0), false, kwargs.path("num_beams").asInt(1),
                kwargs.path("length_penalty").asDouble(1.0), kwargs.path("early_stopping").asBoolean(false), null);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static int[] prompt(JsonNode golden, JsonNode run) {
        return ints(golden.at("/prompts/" + run.get("prompt").asText() + "/ids"));
    }

    private static Set<Integer> eos(JsonNode run) {
        Set<Integer> eos = new HashSet<>();
        JsonNode node = run.at("/kwargs/eos_token_id");
        if (node.isInt()) {
            eos.add(node.asInt());
        }
        node.forEach(id -> eos.add(id.asInt()));
        return eos;
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
