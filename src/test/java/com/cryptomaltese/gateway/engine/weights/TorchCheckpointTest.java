package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.TorchZips.FIXTURES;
import static com.cryptomaltese.gateway.engine.weights.TorchZips.concat;
import static com.cryptomaltese.gateway.engine.weights.TorchZips.pickle;
import static com.cryptomaltese.gateway.engine.weights.TorchZips.unicode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * torch.save archives written by tools/fixtures/make_torch_checkpoints.py, and hand-made hostile
 * or broken ones: what a state dict holds is read exactly, anything else is refused with a
 * TorchCheckpointException naming the file, and nothing is ever executed.
 */
class TorchCheckpointTest {

    /** What malicious.bin would touch if it were unpickled by Python (see the fixture script). */
    static final Path MARKER = Path.of("/tmp/maltese-unsafe-pickle-marker");

    @TempDir
    Path dir;

    // ---- real torch.save files -----------------------------------------------------------------

    /** nn.Parameter, F16, BF16, a view at a storage offset sharing a storage, a scalar; protocols 2 and 4. */
    @ParameterizedTest
    @ValueSource(strings = {"dtypes-p2.pt", "dtypes-p4.pt"})
    void everyDtypeAndBothPickleProtocols(String file) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("dtypes.json").toFile());
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(FIXTURES.resolve(file))) {
            assertThat(ckpt.tensors().keySet()).containsExactly("param", "half", "bf16", "view", "base", "scalar");
            assertThat(ckpt.tensors().get("param").dtype()).isEqualTo(DType.F32);
            assertThat(ckpt.tensors().get("half").dtype()).isEqualTo(DType.F16);
            assertThat(ckpt.tensors().get("bf16").dtype()).isEqualTo(DType.BF16);
            for (String name : ckpt.tensors().keySet()) {
                long[] shape = new long[expected.at("/shapes/" + name).size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = expected.at("/shapes/" + name).get(i).asLong();
                }
                assertThat(ckpt.tensors().get(name).shape()).as(name).containsExactly(shape);
                JsonNode values = expected.at("/values/" + name);
                float[] want = new float[values.size()];
                for (int i = 0; i < want.length; i++) {
                    want[i] = (float) values.get(i).asDouble();
                }
                assertThat(ckpt.load(name)).as(name).containsExactly(want);
            }
            assertThat(ckpt.load("view")).containsExactly(4, 5, 6, 7, 8, 9);
        }
    }

    /** The .bin twins hold exactly the safetensors tensors (gpt2 also its tied lm_head, sharing wte's storage). */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "llama-sharded"})
    void fixtureTwinsHoldTheSameTensors(String name) throws Exception {
        try (TorchCheckpointModel torch = TorchCheckpointModel.open(FIXTURES.resolve(name));
             SafetensorsModel safe = SafetensorsModel.open(Path.of("src/test/resources/fixtures/models", name))) {
            for (TensorInfo t : safe.tensors().values()) {
                TensorInfo twin = torch.tensors().get(t.name());
                assertThat(twin).as(t.name()).isNotNull();
                assertThat(twin.shape()).as(t.name()).containsExactly(t.shape());
                assertThat(twin.dtype()).isEqualTo(t.dtype());
                assertThat(torch.load(t.name())).as(t.name()).containsExactly(safe.load(t.name()));
            }
            if (name.equals("gpt2")) {
                assertThat(torch.tensors().keySet()).hasSize(safe.tensors().size() + 1);
                assertThat(torch.load("lm_head.weight")).containsExactly(safe.load("transformer.wte.weight"));
            } else {
                assertThat(torch.tensors().keySet()).containsExactlyInAnyOrderElementsOf(safe.tensors().keySet());
            }
        }
    }

    @Test
    void aMaliciousPickleIsRefusedAndRunsNothing() throws Exception {
        Files.deleteIfExists(MARKER);
        Path file = FIXTURES.resolve("malicious.bin");
        // The fixture really is the attack: the pickle names os.system and the shell command.
        String pkl = new String(TorchZips.entries(file).get("archive/data.pkl"), StandardCharsets.ISO_8859_1);
        assertThat(pkl).contains("posix\nsystem").contains("touch " + MARKER);

        assertThatThrownBy(() -> TorchCheckpoint.open(file))
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unsafe pickle: posix.system");
        assertThat(MARKER).doesNotExist();
    }

    @Test
    void theEngineFolderLogicRefusesItToo() throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.copy(FIXTURES.resolve("malicious.bin"), model.resolve("pytorch_model.bin"));
        Files.deleteIfExists(MARKER);
        assertThatThrownBy(() -> ModelWeights.open(model)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("unsafe pickle: posix.system");
        assertThat(MARKER).doesNotExist();
    }

    @Test
    void stridedViewsAreRefusedClearly() {
        assertThatThrownBy(() -> TorchCheckpoint.open(FIXTURES.resolve("transposed.pt")))
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("transposed.pt: tensor 't': shape [3, 2] with stride [1, 3] is not contiguous");
    }

    @Test
    void integerTensorsAreRefusedByStorageType() {
        assertThatThrownBy(() -> TorchCheckpoint.open(FIXTURES.resolve("int64.pt")))
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("int64.pt")
                .hasMessageContaining("is a torch.LongStorage; only torch.FloatStorage");
    }

    // ---- hand-made pickles ---------------------------------------------------------------------

    /** {'w': _rebuild_tensor_v2(storage('0', FloatStorage, 2), offset, (n,), (1,), False, {})}, protocol 2. */
    static byte[] stateDict(String storageType, int numel, int offset, int n) {
        return concat(pickle(0x80, 2, '}'), unicode("w"),
                pickle('c', "torch._utils\n_rebuild_tensor_v2\n", '(', '('), unicode("storage"),
                pickle('c', "torch\n" + storageType + "\n"), unicode("0"), unicode("cpu"),
                pickle('K', numel, 't', 'Q', 'K', offset, 'K', n, 0x85, 'K', 1, 0x85, 0x89, '}', 't', 'R', 's', '.'));
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void aHandMadeStateDictReads() throws Exception {
        Path file = dir.resolve("ok.pt");
        TorchZips.writeArchive(file, stateDict("FloatStorage", 3, 1, 2), Map.of("0", f32(1, 2, 3)));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertThat(ckpt.tensors().get("w").shape()).containsExactly(2);
            assertThat(ckpt.load("w")).containsExactly(2, 3);
        }
    }

    /** Globals a hostile pickle would use, via GLOBAL and via STACK_GLOBAL: refused by name before any REDUCE. */
    @ParameterizedTest
    @ValueSource(strings = {"builtins eval", "builtins exec", "os system", "posix system", "subprocess Popen",
            "torch load", "torch._utils _rebuild_device_tensor_from_numpy", "numpy.core.multiarray _reconstruct",
            "collections defaultdict", "builtins getattr", "torch.storage _load_from_bytes", "nt system"})
    void unlistedGlobalsAreRefusedByName(String global) throws Exception {
        String[] mn = global.split(" ");
        byte[] viaGlobal = concat(pickle(0x80, 2, 'c', mn[0] + "\n" + mn[1] + "\n"), unicode("x"),
                pickle(0x85, 'R', '.'));
        byte[] viaStack = concat(pickle(0x80, 4, 0x8c, mn[0].length(), mn[0], 0x8c, mn[1].length(), mn[1], 0x93),
                unicode("x"), pickle(0x85, 'R', '.'));
        for (byte[] pkl : new byte[][] {viaGlobal, viaStack}) {
            Path file = dir.resolve("evil.pt");
            TorchZips.writeArchive(file, pkl, Map.of());
            assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file + ": archive/data.pkl: unsafe pickle: " + mn[0] + "." + mn[1]);
        }
    }

    /** The allowlisted names only do what a state dict needs. */
    @Test
    void allowlistedGlobalsCannotBeMisused() throws Exception {
        Map<String, byte[]> cases = Map.of(
                "torch.FloatStorage is not callable",
                concat(pickle(0x80, 2, 'c', "torch\nFloatStorage\n", ')', 'R', '.')),
                "collections.OrderedDict called with 1 arguments",
                concat(pickle(0x80, 2, 'c', "collections\nOrderedDict\n", ']', 0x85, 'R', '.')),
                "torch._utils._rebuild_tensor_v2 expects (storage",
                concat(pickle(0x80, 2, 'c', "torch._utils\n_rebuild_tensor_v2\n"), unicode("/etc/passwd"),
                        pickle(0x85, 'R', '.')),
                "REDUCE applies 'posix', which is not callable",
                concat(unicode("posix"), unicode("system"), pickle(0x85, 'R', '.')),
                "BUILD of 'x' with dict of 0 is not supported",
                concat(unicode("x"), pickle('}', 'b', '.')),
                "collections.OrderedDict is not a storage type",
                concat(pickle('('), unicode("storage"), pickle('c', "collections\nOrderedDict\n"), unicode("0"),
                        unicode("cpu"), pickle('K', 1, 't', 'Q', '.')),
                "persistent id '../../etc/passwd' is not ('storage', <storage type>, key, location, numel)",
                concat(unicode("../../etc/passwd"), pickle('Q', '.')));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path file = dir.resolve("misuse.pt");
            TorchZips.writeArchive(file, c.getValue(), Map.of("0", f32(1)));
            assertThatThrownBy(() -> TorchCheckpoint.open(file)).as(c.getKey())
                    .isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining(c.getKey());
        }
    }

    @Test
    void sizesInThePickleAreCheckedAgainstTheStorages() throws Exception {
        Path file = dir.resolve("sizes.pt");
        TorchZips.writeArchive(file, stateDict("FloatStorage", 3, 0, 3), Map.of("0", f32(1, 2)));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("storage '0' should hold 3 x torch.FloatStorage = 12 bytes, but its zip entry has 8");

        TorchZips.writeArchive(file, stateDict("FloatStorage", 2, 1, 2), Map.of("0", f32(1, 2)));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("tensor 'w': elements 1..1+2 lie outside its storage '0' of 2 elements");

        TorchZips.writeArchive(file, stateDict("HalfStorage", 2, 0, 2), Map.of("0", f32(1, 2)));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("should hold 2 x torch.HalfStorage = 4 bytes, but its zip entry has 8");

        TorchZips.writeArchive(file, stateDict("FloatStorage", 2, 0, 2), Map.of());
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("storage '0' has no entry archive/data/0 in the zip");

        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            out.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
            out.write(stateDict("FloatStorage", 2, 0, 2));
            out.putNextEntry(new java.util.zip.ZipEntry("archive/data/0")); // DEFLATED, the default
            out.write(f32(1, 2));
        }
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("storage '0' is compressed in the zip");
    }

    // ---- truncated and corrupt files -----------------------------------------------------------

    @Test
    void truncatedArchivesAreRefusedClearly() throws Exception {
        byte[] whole = Files.readAllBytes(FIXTURES.resolve("llama/pytorch_model.bin"));
        Path file = dir.resolve("pytorch_model.bin");
        for (int length : new int[] {0, 3, 30, 1000, whole.length / 2, whole.length - 100, whole.length - 22,
                whole.length - 1}) {
            Files.write(file, Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> TorchCheckpoint.open(file)).as("%d of %d bytes", length, whole.length)
                    .isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file.toString());
        }
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).hasMessageContaining("not a readable zip archive");
    }

    @Test
    void truncatedAndCorruptPicklesAreRefusedClearly() throws Exception {
        Map<String, byte[]> entries = TorchZips.entries(FIXTURES.resolve("dtypes-p2.pt"));
        byte[] pkl = entries.get("dtypes-p2/data.pkl");
        Path file = dir.resolve("corrupt.pt");
        for (int length = 0; length < pkl.length; length += 7) {
            entries.put("dtypes-p2/data.pkl", Arrays.copyOf(pkl, length));
            TorchZips.write(file, entries);
            assertThatThrownBy(() -> TorchCheckpoint.open(file)).as("pickle cut at %d", length)
                    .isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file + ": dtypes-p2/data.pkl: ");
        }
        Map<String, String> corrupt = Map.of(
                "unsupported pickle opcode 0x63", "\u0080\u0002c",                          // GLOBAL cut short
                "unsupported pickle opcode 0xff", "\u0080\u0002\u00ff",
                "pickle protocol 9 is not supported", "\u0080\u0009N.",
                "STOP with 0 values on the stack", "\u0080\u0002.",
                "STOP with 2 values on the stack", "\u0080\u0002NN.",
                "memo entry 7 was never stored", "\u0080\u0002h\u0007.",
                "no MARK to pop to", "\u0080\u0002t.",
                "SETITEM on None, not a dict", "\u0080\u0002NNNs.",
                "LONG1 of 9 bytes", "\u0080\u0002\u008a\u0009123456789.");
        for (Map.Entry<String, String> c : corrupt.entrySet()) {
            TorchZips.writeArchive(file, c.getValue().getBytes(StandardCharsets.ISO_8859_1), Map.of());
            String expected = c.getKey().equals("unsupported pickle opcode 0x63") ? "pickle ends inside the GLOBAL"
                    : c.getKey();
            assertThatThrownBy(() -> TorchCheckpoint.open(file)).as(c.getKey())
                    .isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file + ": archive/data.pkl: ")
                    .hasMessageContaining(expected);
        }
    }

    @Test
    void notTorchZipsAreRefusedClearly() throws Exception {
        Path file = dir.resolve("x.bin");
        Files.write(file, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file + ": a legacy (PyTorch < 1.6, non-zip) torch.save file");
        Files.writeString(file, "{\"not\": \"a zip\"}");
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file + ": not a torch.save zip archive");
        TorchZips.write(file, Map.of("readme.txt", new byte[] {1}));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("expected exactly one '<archive>/data.pkl' entry in the zip, found 0");
        TorchZips.write(file, Map.of("archive/data.pkl", pickle(0x80, 2, '}', '.'), "archive/byteorder",
                "big".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> TorchCheckpoint.open(file)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("byteorder 'big' is not supported");
        assertThatThrownBy(() -> TorchCheckpoint.open(dir.resolve("missing.bin")))
                .isInstanceOf(TorchCheckpointException.class).hasMessageContaining("not found");
    }

    // ---- folders -------------------------------------------------------------------------------

    @Test
    void safetensorsArePreferredWhenBothArePresent() throws Exception {
        Path model = dir.resolve("both");
        Files.createDirectories(model);
        Files.copy(FIXTURES.resolve("llama/pytorch_model.bin"), model.resolve("pytorch_model.bin"));
        try (WeightLoader w = ModelWeights.open(model)) {
            assertThat(w).isInstanceOf(TorchCheckpointModel.class);
        }
        Files.copy(Path.of("src/test/resources/fixtures/models/llama/model.safetensors"), model.resolve("model.safetensors"));
        try (WeightLoader w = ModelWeights.open(model)) {
            assertThat(w).isInstanceOf(SafetensorsModel.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../pytorch_model.bin", "/etc/passwd", "a/../../x.bin"})
    void shardNamesMustStayInsideTheFolder(String shard) throws Exception {
        Path model = dir.resolve("sharded");
        Files.createDirectories(model);
        Files.writeString(model.resolve("pytorch_model.bin.index.json"),
                "{\"weight_map\": {\"w\": \"" + shard + "\"}}");
        assertThatThrownBy(() -> TorchCheckpointModel.open(model)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("pytorch_model.bin.index.json: tensor 'w': shard '" + shard + "'");
    }

    @Test
    void aShardWithoutThePromisedTensorIsNamed() throws Exception {
        Path model = dir.resolve("sharded");
        Files.createDirectories(model);
        TorchZips.writeArchive(model.resolve("a.bin"), stateDict("FloatStorage", 1, 0, 1), Map.of("0", f32(1)));
        Files.writeString(model.resolve("pytorch_model.bin.index.json"),
                "{\"weight_map\": {\"w\": \"a.bin\", \"v\": \"a.bin\"}}");
        assertThatThrownBy(() -> TorchCheckpointModel.open(model)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("tensor 'v' is mapped to shard 'a.bin', which does not contain it");
    }
}
