package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.engine.gguf.GgufHeader;
import com.cryptomaltese.gateway.engine.gguf.GgufReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What is on disk under {@code GATEWAY_DATA_DIR/models}, read in the Hugging Face cache layout
 * ({@code models--org--name/refs/main} naming a commit, files under {@code snapshots/<commit>/},
 * usually symlinks into {@code blobs/}). A cache filled by {@code huggingface-cli download
 * --cache-dir $GATEWAY_DATA_DIR/models} is read as it is. A folder whose current snapshot cannot be
 * used (refs/main names one that is gone, it holds no files, it cannot be read) is a {@link BrokenFolder}
 * with the reason: hidden, it could only go in a cleanup of every model, and nobody would learn why.
 */
@Component
public class ModelRegistry {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private static final ObjectMapper CONFIG_READER = new ObjectMapper();
    /** The download record the gateway writes beside blobs/ and snapshots/ (hub.ModelMetadata). */
    private static final String DOWNLOAD_RECORD = "maltese-download.json";
    private static final Map<String, String> DTYPES = Map.of("float32", "F32", "float16", "F16", "bfloat16", "BF16");
    /** Hex, as commits are: only such a name is repeated in a reason (a file could hold anything, a key even). */
    private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{4,64}");

    /** A model folder whose current snapshot cannot be used, and why, in words an operator can act on. */
    public record BrokenFolder(ModelId id, String reason) {
    }

    /** The model folders on disk: the usable models, and the broken folders. */
    public record Folders(List<LocalModel> models, List<BrokenFolder> broken) {
    }

    /** Why a folder's current snapshot cannot be used. */
    private static final class Unusable extends Exception {

        Unusable(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Path modelsDir;

    ModelRegistry(GatewayProperties properties) {
        this.modelsDir = properties.modelsDir();
    }

    public Path modelsDir() {
        return modelsDir;
    }

    /** The models folder in one pass: its usable models and its broken folders. */
    public Folders folders() {
        if (!Files.isDirectory(modelsDir)) {
            return new Folders(List.of(), List.of());
        }
        List<LocalModel> models = new ArrayList<>();
        List<BrokenFolder> broken = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(modelsDir, "models--*")) {
            for (Path folder : folders) {
                ModelId id = ModelId.fromCacheFolderName(folder.getFileName().toString());
                if (id == null) {
                    continue;
                }
                try {
                    read(id, folder).ifPresent(models::add);
                } catch (Unusable e) {
                    broken.add(new BrokenFolder(id, e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + modelsDir, e);
        }
        models.sort(Comparator.comparing(m -> m.id().toString()));
        return new Folders(models, broken);
    }

    /** The model, if its folder holds a usable one. */
    public Optional<LocalModel> find(ModelId id) {
        Path folder = id.cacheFolderIn(modelsDir);
        try {
            return Files.isDirectory(folder) ? read(id, folder) : Optional.empty();
        } catch (Unusable e) {
            return Optional.empty();
        }
    }

    /** The model's folder, if it is there but its current snapshot cannot be used. */
    public Optional<BrokenFolder> broken(ModelId id) {
        Path folder = id.cacheFolderIn(modelsDir);
        try {
            if (Files.isDirectory(folder)) {
                read(id, folder);
            }
            return Optional.empty();
        } catch (Unusable e) {
            return Optional.of(new BrokenFolder(id, e.getMessage()));
        }
    }

    /** The folder of the model's current snapshot, without reading its files. */
    public Optional<Path> snapshot(ModelId id) {
        Path folder = id.cacheFolderIn(modelsDir);
        try {
            return Files.isDirectory(folder)
                    ? commitOf(folder).map(commit -> folder.resolve("snapshots").resolve(commit))
                    : Optional.empty();
        } catch (IOException e) {
            log.warn("Cannot read the snapshot of {}: {}", id, e.getMessage());
            return Optional.empty();
        } catch (Unusable e) {
            return Optional.empty(); // the model list says why
        }
    }

    /** The model in {@code folder}; empty while it has no snapshot at all (a first download's folder). */
    private Optional<LocalModel> read(ModelId id, Path folder) throws Unusable {
        try {
            Optional<String> commit = commitOf(folder);
            if (commit.isEmpty()) {
                return Optional.empty();
            }
            Path snapshot = folder.resolve("snapshots").resolve(commit.get());
            List<Path> files;
            try (Stream<Path> walk = Files.walk(snapshot)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            if (files.isEmpty()) {
                throw new Unusable("snapshot " + commit.get() + (linksToNothing(snapshot) > 0
                        ? " holds only links to files that are not on disk (blobs deleted?)" : " holds no files"));
            }
            long size = 0;
            for (Path file : files) {
                size += Files.size(file);
            }
            List<String> names = files.stream().map(f -> snapshot.relativize(f).toString()).toList();
            ModelFormat format = ModelFormat.detect(names);
            Details details = details(snapshot, files, format);
            return Optional.of(new LocalModel(id, folder, snapshot, commit.get(), format, size,
                    details.description(), details.quantisation()));
        } catch (IOException | UncheckedIOException e) {
            throw new Unusable("the folder cannot be read: " + unreadable(folder, e));
        }
    }

    private static long linksToNothing(Path snapshot) throws IOException {
        try (Stream<Path> walk = Files.walk(snapshot)) {
            return walk.filter(p -> Files.isSymbolicLink(p) && !Files.exists(p)).count();
        }
    }

    /** The failure with paths relative to the folder: a caller is not told where the gateway keeps its files. */
    private static String unreadable(Path folder, Exception e) {
        Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
        String name = cause.getClass().getSimpleName();
        String text = cause.getMessage() == null ? name : name + ": " + cause.getMessage();
        for (Path base : List.of(folder.toAbsolutePath(), folder)) {
            text = text.replace(base + base.getFileSystem().getSeparator(), "").replace(base.toString(), ".");
        }
        return text;
    }

    /**
     * The commit of the gateway's last completed download (its record names it; a download of a
     * branch, tag or commit other than main must take effect), else {@code refs/main}, else the only
     * snapshot, if there is exactly one. Empty when there is no snapshot and nothing names one: a
     * download's folder before its snapshot is in place, whose state the download reports.
     */
    private static Optional<String> commitOf(Path folder) throws IOException, Unusable {
        Path record = folder.resolve(DOWNLOAD_RECORD);
        String recorded = "";
        if (Files.isRegularFile(record)) {
            try {
                recorded = CONFIG_READER.readTree(record.toFile()).path("commit").asText("");
            } catch (IOException e) {
                recorded = ""; // an unreadable record does not hide the model: refs/main still names it
            }
            if (snapshotExists(folder, recorded)) {
                return Optional.of(recorded);
            }
        }
        Path ref = folder.resolve("refs").resolve("main");
        if (Files.isRegularFile(ref)) {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
            if (snapshotExists(folder, commit)) {
                return Optional.of(commit);
            }
            throw new Unusable(notOnDisk("refs/main", commit));
        }
        Path snapshots = folder.resolve("snapshots");
        List<Path> all = List.of();
        if (Files.isDirectory(snapshots)) {
            try (Stream<Path> list = Files.list(snapshots)) {
                // Hidden folders are snapshots still being assembled by a download.
                all = list.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
            }
        }
        if (all.size() == 1) {
            return Optional.of(all.get(0).getFileName().toString());
        }
        if (all.size() > 1) {
            throw new Unusable("it holds " + all.size() + " snapshots and no refs/main to name the current one");
        }
        if (!recorded.isEmpty()) {
            throw new Unusable(notOnDisk("the gateway's download record", recorded));
        }
        return Optional.empty();
    }

    private static String notOnDisk(String namedBy, String commit) {
        return COMMIT.matcher(commit).matches() ? namedBy + " names snapshot " + commit + ", which is not on disk"
                : namedBy + " names no snapshot that is on disk";
    }

    /** A commit names a folder: hex/word characters only, never a path. */
    private static boolean snapshotExists(Path folder, String commit) {
        return commit.matches("[A-Za-z0-9._-]{1,64}") && !commit.contains("..")
                && Files.isDirectory(folder.resolve("snapshots").resolve(commit));
    }

    /** A one-line description and the weights' storage type; either may be null. */
    private record Details(String description, String quantisation) {
    }

    /**
     * The description from {@code config.json}: model type and architecture; without one, from the
     * header of the first readable {@code .gguf} file, e.g. "llama (GGUF v3, F32, context 512)". The
     * quantisation of a GGUF model from that header (e.g. Q8_0), of others from config.json's dtype.
     */
    private static Details details(Path snapshot, List<Path> files, ModelFormat format) {
        Optional<GgufSummary> gguf = format == ModelFormat.GGUF ? firstGguf(snapshot, files) : Optional.empty();
        String ggufType = gguf.map(GgufSummary::mainType).orElse(null);
        Path config = snapshot.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return new Details(gguf.map(GgufSummary::description).orElse(null), ggufType);
        }
        try {
            JsonNode json = CONFIG_READER.readTree(config.toFile());
            String type = json.path("model_type").asText("");
            String architecture = json.path("architectures").path(0).asText("");
            int layers = json.path("num_hidden_layers").asInt(json.path("n_layer").asInt(0));
            StringBuilder text = new StringBuilder(type.isEmpty() ? "model" : type + " model");
            if (!architecture.isEmpty()) {
                text.append(" (").append(architecture).append(')');
            }
            if (layers > 0) {
                text.append(", ").append(layers).append(" layers");
            }
            // transformers 5 writes "dtype", earlier versions "torch_dtype"
            String dtype = json.path("dtype").asText(json.path("torch_dtype").asText(""));
            return new Details(text.toString(), format == ModelFormat.GGUF ? ggufType : DTYPES.get(dtype));
        } catch (IOException e) {
            return new Details("config.json unreadable: " + e.getMessage(), ggufType);
        }
    }

    /** What the model list shows of a GGUF header, for the file as it was when read. */
    private record GgufSummary(String description, String mainType, String problem, long size, FileTime modified) {
    }

    /**
     * Summaries of GGUF headers by file. A header may hold millions of values (a long vocabulary):
     * read once per file version, not on every model list (an 8 M-value header took 1.2 s a list,
     * and concurrent lists ran out of heap), and one reader per file at a time.
     */
    private static final Map<Path, GgufSummary> GGUF_SUMMARIES = new ConcurrentHashMap<>();
    private static final int GGUF_SUMMARIES_KEPT = 256;

    /** Malformed GGUF files are skipped with a warning (they will never reach native code). */
    private static Optional<GgufSummary> firstGguf(Path snapshot, List<Path> files) {
        List<Path> ggufs = files.stream().filter(f -> f.getFileName().toString().endsWith(".gguf")).sorted().toList();
        for (Path file : ggufs) {
            try {
                Path real = file.toRealPath();
                long size = Files.size(real);
                FileTime modified = Files.getLastModifiedTime(real);
                if (GGUF_SUMMARIES.size() > GGUF_SUMMARIES_KEPT) {
                    GGUF_SUMMARIES.clear();
                }
                GgufSummary summary = GGUF_SUMMARIES.compute(real, (key, known) -> known != null && known.size() == size
                        && known.modified().equals(modified) ? known : summarize(key, size, modified));
                if (summary.problem() == null) {
                    return Optional.of(summary);
                }
                log.warn("Skipping malformed GGUF file {}: {}", snapshot.relativize(file), summary.problem());
            } catch (IOException e) {
                log.warn("Skipping unreadable GGUF file {}: {}", snapshot.relativize(file), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The header's summary; a header that does not read gives one with the problem. */
    private static GgufSummary summarize(Path file, long size, FileTime modified) {
        try {
            GgufHeader header = GgufReader.read(file);
            return new GgufSummary(header.describe(), header.mainType().map(Enum::name).orElse(null), null, size,
                    modified);
        } catch (IOException e) {
            return new GgufSummary(null, null, e.getMessage(), size, modified);
        }
    }
}
