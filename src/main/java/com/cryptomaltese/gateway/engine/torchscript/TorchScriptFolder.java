package com.cryptomaltese.gateway.engine.torchscript;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.engine.weights.TorchScriptArchive;
import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Which model folders hold a TorchScript program and which program the folder agrees to run. A
 * program runs code, so only a folder with {@value TorchScriptArchive#OPT_IN} ({@code {"file":
 * "model.torchscript"}}) has it run; a folder whose only weights are a program is still claimed, so
 * that its load is refused with the reason instead of "no engine". Folders with safetensors, GGUF or
 * ONNX weights stay on their engines, and a {@code pytorch_model.bin} state dict without the opt-in
 * stays on the DJL engine.
 */
final class TorchScriptFolder {

    private static final List<String> SUFFIXES = List.of(".torchscript", ".pt", ".pth");

    private TorchScriptFolder() {
    }

    static boolean claims(Path dir) {
        List<String> names = names(dir);
        if (names.stream().anyMatch(n -> n.endsWith(".safetensors") || n.endsWith(".gguf") || n.endsWith(".onnx"))) {
            return false;
        }
        if (names.contains(TorchScriptArchive.OPT_IN)) {
            return true;
        }
        if (names.contains("pytorch_model.bin") || names.contains("pytorch_model.bin.index.json")) {
            return false;
        }
        return unapproved(dir, names).isPresent();
    }

    /** The program {@value TorchScriptArchive#OPT_IN} names, checked to be a TorchScript archive in the folder. */
    static Path program(Path dir) throws IOException {
        Path optIn = dir.resolve(TorchScriptArchive.OPT_IN);
        if (!Files.isRegularFile(optIn)) {
            Optional<String> found = unapproved(dir, names(dir));
            throw new IOException(found.map(TorchScriptArchive::refusal)
                    .orElse("no TorchScript program in the model folder"));
        }
        String file = fileField(optIn);
        if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals(".") || file.equals("..")) {
            throw new IOException(TorchScriptArchive.OPT_IN + ": file must name a file in the model folder "
                    + "(a plain file name), got \"" + file + "\"");
        }
        Path program = dir.resolve(file);
        if (!Files.isRegularFile(program)) {
            throw new IOException(TorchScriptArchive.OPT_IN + ": file \"" + file + "\" is not in the model folder");
        }
        if (!TorchScriptArchive.isProgram(program)) {
            throw new IOException(TorchScriptArchive.OPT_IN + ": file \"" + file + "\" is not a TorchScript archive "
                    + "(torch.jit.save writes a zip with code/ and constants.pkl)");
        }
        return program;
    }

    private static String fileField(Path optIn) throws IOException {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(optIn.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(ConfigJson.notJson(TorchScriptArchive.OPT_IN, e), e);
        }
        if (json == null || !json.isObject() || !json.path("file").isTextual()) {
            throw new IOException(TorchScriptArchive.OPT_IN + " must be a JSON object whose \"file\" names the "
                    + "TorchScript program, e.g. {\"file\": \"model.torchscript\"}");
        }
        return json.get("file").asText();
    }

    /** A program among the folder's {@code .torchscript}, {@code .pt} and {@code .pth} files. */
    private static Optional<String> unapproved(Path dir, List<String> names) {
        return names.stream().filter(n -> SUFFIXES.stream().anyMatch(n::endsWith)).sorted()
                .filter(n -> TorchScriptArchive.isProgram(dir.resolve(n))).findFirst();
    }

    /** Names of the folder's regular files (symlinks followed), top level only. */
    private static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
