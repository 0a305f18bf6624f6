package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.TorchZips.concat;
import static com.cryptomaltese.gateway.engine.weights.TorchZips.pickle;
import static com.cryptomaltese.gateway.engine.weights.TorchZips.unicode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript program's storages are checked against its pickles before libtorch reads them:
 * libtorch trusts the pickles and reads a short storage past its end. The programs are the traced
 * fixtures of tools/fixtures/export_torchscript.py (torch.jit.save), altered entry by entry.
 */
class TorchScriptArchiveTest {

    static final Path TRACED = Path.of("src/test/resources/fixtures/torchscript");

    @TempDir
    Path dir;

    @Test
    void theTracedProgramsPass() {
        for (String model : new String[] {"gpt2", "llama"}) {
            assertThatCode(() -> TorchScriptArchive.checkStorages(TRACED.resolve(model).resolve("model.torchscript")))
                    .as(model).doesNotThrowAnyException();
        }
    }

    /** gpt2's data/0 is the 12288-float token embedding (49152 bytes); constants/1 a one-element long constant. */
    @Test
    void aStorageShorterThanItsPickleSaysIsRefusedNamingItsEntry() throws IOException {
        Map<String, byte[]> entries = TorchZips.entries(TRACED.resolve("gpt2/model.torchscript"));
        Path program = dir.resolve("model.torchscript");

        Map<String, byte[]> truncated = new LinkedHashMap<>(entries);
        truncated.put("model/data/0", Arrays.copyOf(entries.get("model/data/0"), 8));
        TorchZips.write(program, truncated);
        assertThatThrownBy(() -> TorchScriptArchive.checkStorages(program)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageStartingWith("model.torchscript: model/data.pkl at byte ")
                .hasMessageEndingWith(": storage '0' should hold 12288 x torch.FloatStorage = 49152 bytes, but its zip "
                        + "entry has 8");

        Map<String, byte[]> constants = new LinkedHashMap<>(entries);
        constants.put("model/constants/1", new byte[4]);
        TorchZips.write(program, constants);
        assertThatThrownBy(() -> TorchScriptArchive.checkStorages(program))
                .hasMessageStartingWith("model.torchscript: model/constants.pkl at byte ")
                .hasMessageEndingWith(": storage '1' should hold 1 x torch.LongStorage = 8 bytes, but its zip entry has 4");

        Map<String, byte[]> missing = new LinkedHashMap<>(entries);
        missing.remove("model/data/5");
        TorchZips.write(program, missing);
        assertThatThrownBy(() -> TorchScriptArchive.checkStorages(program))
                .hasMessageEndingWith("storage '5' has no entry model/data/5 in the zip (truncated archive?)");
    }

    /** A program object (NEWOBJ of a __torch__ class, BUILD with its attributes) holding one tensor view. */
    private static byte[] program(int numel, int offset, int rows, int rowStride) {
        return concat(pickle(0x80, 2, 'c', "__torch__.m\nNet\n", ')', 0x81, '}', '('), unicode("w"),
                pickle('c', "torch._utils\n_rebuild_tensor_v2\n", '(', '('), unicode("storage"),
                pickle('c', "torch\nLongStorage\n"), unicode("0"), unicode("cpu"),
                pickle('K', numel, 't', 'Q', 'K', offset, 'K', rows, 'K', 2, 0x86, 'K', rowStride, 'K', 1, 0x86, 0x89, '}',
                        't', 'R', 'u', 'b', '.'));
    }

    private Path archive(byte[] pickle, int numel) throws IOException {
        return archive(pickle, numel, 8);
    }

    private Path archive(byte[] pickle, int numel, int elementBytes) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("m/data.pkl", pickle);
        entries.put("m/code/__torch__/m.py", "class Net(Module):\n  pass\n".getBytes(StandardCharsets.US_ASCII));
        entries.put("m/data/0", new byte[numel * elementBytes]);
        Path file = dir.resolve("m.pt");
        TorchZips.write(file, entries);
        return file;
    }

    @Test
    void aStridedViewMustStayInsideItsStorage() throws IOException {
        // 3 rows of 2 with a row stride of 4, from offset 1: elements 1..10 of 11
        assertThatCode(() -> TorchScriptArchive.checkStorages(archive(program(11, 1, 3, 4), 11))).doesNotThrowAnyException();
        assertThatThrownBy(() -> TorchScriptArchive.checkStorages(archive(program(10, 1, 3, 4), 10)))
                .hasMessageEndingWith("tensor of shape [3, 2], stride [4, 1] and offset 1 reaches element 10 of storage "
                        + "'0', which has 10");
        // no rows: no element is read, whatever the offset within the storage
        assertThatCode(() -> TorchScriptArchive.checkStorages(archive(program(10, 9, 0, 4), 10))).doesNotThrowAnyException();
    }

    /**
     * libtorch, not Python, reads a program's pickles, and so does the check: any global but the
     * storage types and tensor builders is inert (torch.device, enums, helpers), and none is run.
     */
    @Test
    void aProgramsGlobalsAreInertAndNoneIsRun() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "still here");
        byte[] remove = concat(pickle(0x80, 2, 'c', "os\nremove\n"), unicode(victim.toString()), pickle(0x85, 'R', '.'));
        assertThatCode(() -> TorchScriptArchive.checkStorages(archive(remove, 1))).doesNotThrowAnyException();
        assertThat(victim).hasContent("still here");
    }

    /** A storage named twice must be named alike: as another type its entry would be read with another element size. */
    @Test
    void aStorageNamedTwiceWithAnotherTypeIsRefused() throws IOException {
        byte[] twice = concat(pickle(0x80, 2, '('), storageRef("ByteStorage", 3), storageRef("DoubleStorage", 3),
                pickle('t', '.'));
        assertThatThrownBy(() -> TorchScriptArchive.checkStorages(archive(twice, 3, 1)))
                .hasMessageEndingWith("storage '0' is described twice, differently");
    }

    /** A quantised tensor is a view of its storage like any other, and checked as one. */
    @Test
    void aQuantisedViewMustStayInsideItsStorage() throws IOException {
        for (int rows : new int[] {2, 3}) {
            byte[] quantised = concat(pickle(0x80, 2, 'c', "torch._utils\n_rebuild_qtensor\n", '('),
                    storageRef("QInt8Storage", 8), pickle('K', 0, 'K', rows, 'K', 4, 0x86, 'K', 4, 'K', 1, 0x86),
                    pickle(')', 0x89, '}', 't', 'R', '.'));
            if (rows == 2) {
                assertThatCode(() -> TorchScriptArchive.checkStorages(archive(quantised, 8, 1))).doesNotThrowAnyException();
            } else {
                assertThatThrownBy(() -> TorchScriptArchive.checkStorages(archive(quantised, 8, 1)))
                        .hasMessageEndingWith("reaches element 11 of storage '0', which has 8");
            }
        }
    }

    /** BINPERSID of {@code ('storage', torch.<type>, '0', 'cpu', numel)}. */
    private static byte[] storageRef(String type, int numel) {
        return concat(pickle('('), unicode("storage"), pickle('c', "torch\n" + type + "\n"), unicode("0"), unicode("cpu"),
                pickle('K', numel, 't', 'Q'));
    }
}
