package com.cryptomaltese.gateway.engine.torchscript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.cryptomaltese.gateway.engine.exported.Goldens;
import com.cryptomaltese.gateway.engine.onnx.OnnxEngine;
import com.cryptomaltese.gateway.engine.weights.TorchCheckpoint;
import com.cryptomaltese.gateway.engine.weights.TorchCheckpointException;
import com.cryptomaltese.gateway.engine.weights.TorchZips;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript program runs code: it is told apart from a state dict by its archive's entries,
 * never read as weights, and run only where the folder opts in with torchscript.json. The programs
 * are the traced fixtures of tools/fixtures/export_torchscript.py.
 */
class TorchScriptFolderTest {

    static final Path TRACED = TorchScriptGoldenTest.TORCHSCRIPT.resolve("gpt2");
    static final Path STATE_DICT = Path.of("src/test/resources/fixtures/torch/gpt2").toAbsolutePath();
    static final String[] TEXT_FILES = {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"};

    @TempDir
    Path dir;

    private Path folderWith(String programName) throws IOException {
        for (String file : TEXT_FILES) {
            Files.copy(TRACED.resolve(file), dir.resolve(file));
        }
        Files.copy(TRACED.resolve("model.torchscript"), dir.resolve(programName));
        return dir;
    }

    @Test
    void aTracedPtWithoutTheOptInIsClaimedAndRefusedWithTheReason() throws IOException {
        folderWith("model.pt");
        TorchScriptEngine engine = new TorchScriptEngine();
        assertThat(engine.supports(dir)).isTrue();
        assertThat(new DjlEngine().supports(dir)).isFalse();
        assertThatThrownBy(() -> engine.load(dir)).isInstanceOf(IOException.class)
                .hasMessage("model.pt is a TorchScript program, not a state dict: TorchScript runs code, so it is "
                        + "loaded only when the model folder opts in with a torchscript.json naming it "
                        + "({\"file\": \"model.pt\"})");
    }

    @Test
    void aProgramSavedAsPytorchModelBinIsNotUnpickledButNamed() throws IOException {
        folderWith("pytorch_model.bin");
        assertThat(new TorchScriptEngine().supports(dir)).isFalse();
        assertThat(new DjlEngine().supports(dir)).isTrue();
        assertThatThrownBy(() -> new DjlEngine().load(dir)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageEndingWith("pytorch_model.bin: pytorch_model.bin is a TorchScript program, not a state dict: "
                        + "TorchScript runs code, so it is loaded only when the model folder opts in with a "
                        + "torchscript.json naming it ({\"file\": \"pytorch_model.bin\"})")
                .hasMessageNotContaining("unsafe pickle");
        assertThatThrownBy(() -> TorchCheckpoint.open(dir.resolve("pytorch_model.bin")))
                .hasMessageContaining("is a TorchScript program");
    }

    @Test
    void theOptInMayNameAProgramSavedAsPytorchModelBin() throws IOException {
        folderWith("pytorch_model.bin");
        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"pytorch_model.bin\"}");
        assertThat(new TorchScriptEngine().supports(dir)).isTrue();
        assertThat(TorchScriptFolder.program(dir)).isEqualTo(dir.resolve("pytorch_model.bin"));
    }

    @Test
    void aStateDictIsNoProgramAndStaysOnTheDjlEngine() throws IOException {
        for (String file : TEXT_FILES) {
            Files.copy(STATE_DICT.resolve(file), dir.resolve(file));
        }
        Files.copy(STATE_DICT.resolve("pytorch_model.bin"), dir.resolve("model.pt"));
        assertThat(new TorchScriptEngine().supports(dir)).isFalse();

        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"model.pt\"}");
        assertThat(new TorchScriptEngine().supports(dir)).isTrue();
        assertThatThrownBy(() -> TorchScriptFolder.program(dir)).hasMessage("torchscript.json: file \"model.pt\" is not "
                + "a TorchScript archive (torch.jit.save writes a zip with code/ and constants.pkl)");
    }

    @Test
    void aFolderWithSafetensorsOrOnnxWeightsIsNotClaimed() throws IOException {
        folderWith("model.torchscript");
        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"model.torchscript\"}");
        assertThat(new TorchScriptEngine().supports(dir)).isTrue();
        Files.copy(Goldens.MODELS.resolve("gpt2/model.safetensors"), dir.resolve("model.safetensors"));
        assertThat(new TorchScriptEngine().supports(dir)).isFalse();
        Files.delete(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.onnx"), new byte[] {0x08, 0x07});
        assertThat(new TorchScriptEngine().supports(dir)).isFalse();
        assertThat(new OnnxEngine().supports(dir)).isTrue();
    }

    @Test
    void aBadOptInIsRefusedByWhatIsWrong() throws IOException {
        folderWith("model.torchscript");
        Path optIn = dir.resolve("torchscript.json");
        String[][] cases = {
                {"{\"file\": ", "torchscript.json is not valid JSON (line 1, "},
                {"[\"model.torchscript\"]", "torchscript.json must be a JSON object whose \"file\" names the TorchScript "
                        + "program, e.g. {\"file\": \"model.torchscript\"}"},
                {"{\"file\": 3}", "torchscript.json must be a JSON object whose \"file\""},
                {"{\"file\": \"../gpt2/model.torchscript\"}", "torchscript.json: file must name a file in the model "
                        + "folder (a plain file name), got \"../gpt2/model.torchscript\""},
                {"{\"file\": \"missing.pt\"}", "torchscript.json: file \"missing.pt\" is not in the model folder"},
                {"{\"file\": \"config.json\"}", "torchscript.json: file \"config.json\" is not a TorchScript archive"},
        };
        for (String[] c : cases) {
            Files.writeString(optIn, c[0]);
            assertThatThrownBy(() -> new TorchScriptEngine().load(dir)).as(c[0])
                    .isInstanceOf(IOException.class).hasMessageStartingWith(c[1]);
        }
    }

    @Test
    void anArchiveLibtorchCannotReadIsALoadErrorNamingTheFile() throws IOException {
        folderWith("model.torchscript");
        Map<String, byte[]> entries = TorchZips.entries(TRACED.resolve("model.torchscript"));
        entries.replaceAll((name, bytes) -> name.endsWith(".py") ? "not python(".getBytes(StandardCharsets.US_ASCII) : bytes);
        TorchZips.write(dir.resolve("broken.pt"), entries);
        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"broken.pt\"}");
        assertThatThrownBy(() -> new TorchScriptEngine().load(dir)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("broken.pt is not a loadable TorchScript program: ");
    }

    @Test
    void anArchiveWhosePicklesCannotBeCheckedIsRefusedBeforeLibtorchReadsIt() throws IOException {
        folderWith("model.torchscript");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (String entry : new String[] {"broken/code/__torch__.py", "broken/constants.pkl", "broken/data.pkl"}) {
            entries.put(entry, "not a program".getBytes(StandardCharsets.US_ASCII));
        }
        TorchZips.write(dir.resolve("broken.pt"), entries);
        assertCheckAndLoadRefuse("broken.pt", "broken.pt: broken/data.pkl: corrupt or unsupported pickle at byte 0: "
                + "unsupported pickle opcode 0x6e");
    }

    /**
     * The token embedding's storage cut to 8 of its 49152 bytes: libtorch loads such a program and
     * reads past the storage (into other memory, or out of the process's: a SIGSEGV).
     */
    @Test
    void aProgramWhoseStorageIsShorterThanItsPickleSaysIsRefusedBeforeLibtorchReadsIt() throws IOException {
        folderWith("model.torchscript");
        Map<String, byte[]> entries = TorchZips.entries(TRACED.resolve("model.torchscript"));
        entries.put("model/data/0", Arrays.copyOf(entries.get("model/data/0"), 8));
        TorchZips.write(dir.resolve("model.torchscript"), entries);
        // byte 435: the BINPERSID of storage '0' (python -m pickletools model/data.pkl)
        assertCheckAndLoadRefuse("model.torchscript", "model.torchscript: model/data.pkl at byte 435: storage '0' "
                + "should hold 12288 x torch.FloatStorage = 49152 bytes, but its zip entry has 8");
    }

    /**
     * The layer count sizes the KV cache made before the program runs: 10^9 layers took memory without
     * bound, after the loaded model had been unloaded. The check refuses it.
     */
    @Test
    void aLayerCountNoDecoderHasIsRefusedByTheCheck() throws IOException {
        folderWith("model.torchscript");
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        String field = config.has("n_layer") ? "n_layer" : "num_hidden_layers";
        Files.writeString(dir.resolve("config.json"), config.put(field, 1_000_000_000).toString());
        assertCheckAndLoadRefuse("model.torchscript", "config.json: " + field + " must be an integer from 1 to 1024, "
                + "got 1000000000");
    }

    /** With {@code program} opted in, both the check before a load and the load itself refuse it with {@code message}. */
    private void assertCheckAndLoadRefuse(String program, String message) throws IOException {
        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"" + program + "\"}");
        for (var step : List.<ThrowingCallable>of(() -> new TorchScriptEngine().check(dir), () -> new TorchScriptEngine().load(dir))) {
            assertThatThrownBy(step).isInstanceOf(IOException.class).hasMessage(message);
        }
    }

    @Test
    void aProgramThatIsNoDecoderInTheLayoutIsRefusedAtLoad() throws IOException {
        // A traced program of another layout: the llama program with gpt2's config expects other cache shapes.
        folderWith("model.torchscript");
        Files.copy(TorchScriptGoldenTest.TORCHSCRIPT.resolve("llama/model.torchscript"), dir.resolve("other.torchscript"));
        Files.writeString(dir.resolve("torchscript.json"), "{\"file\": \"other.torchscript\"}");
        assertThatThrownBy(() -> new TorchScriptEngine().load(dir)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("the TorchScript program does not run as a decoder with a KV cache")
                .hasMessageContaining("RuntimeError: Sizes of tensors must match")
                .hasMessageNotContaining("\n");
    }
}
