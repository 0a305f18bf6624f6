package com.cryptomaltese.gateway.hub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.hub.HubException.Kind;
import com.cryptomaltese.gateway.hub.HubListing.HubFile;

/**
 * Which files of a repository a format needs. Always the small files the engine reads (config,
 * generation config, tokenizer, chat template); then by format:
 * <ul>
 * <li>{@code safetensors}: top-level {@code *.safetensors} and their {@code *.safetensors.index.json}</li>
 * <li>{@code pytorch}: top-level {@code *.bin}, {@code *.pt}, {@code *.pth} (not {@code training_args.bin}) and index</li>
 * <li>{@code gguf}: one quantisation, {@code model_name:<quant>}, else the first present of
 *     {@link #GGUF_DEFAULTS}, else the smallest file; split files ({@code -00001-of-00002.gguf}) come together</li>
 * <li>{@code onnx}: {@code model.onnx} (shortest path; else the first {@code .onnx}) and its external data
 *     ({@code <file>.onnx_data}, {@code <file>.onnx.data}, {@code <file>_data})</li>
 * </ul>
 * Without a format: safetensors, else gguf, else onnx, else pytorch.
 */
final class FileSelection {

    static final List<String> FORMATS = List.of("safetensors", "gguf", "onnx", "pytorch");
    static final List<String> GGUF_DEFAULTS = List.of("Q4_K_M", "Q5_K_M", "Q8_0", "Q4_0");
    static final Set<String> SMALL_FILES = Set.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json",
            "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json");
    private static final Pattern SPLIT = Pattern.compile("-\\d{5}-of-\\d{5}\\.gguf$");

    record Choice(String format, List<HubFile> files) {

        long totalBytes() {
            return files.stream().mapToLong(f -> Math.max(0, f.size())).sum();
        }
    }

    private FileSelection() {
    }

    static Choice choose(HubListing listing, String format, String quant) {
        String chosen = format;
        if (chosen == null) {
            chosen = FORMATS.stream().filter(f -> !weights(listing.files(), f).isEmpty()).findFirst()
                    .orElseThrow(() -> new HubException(Kind.FORMAT, listing.repoId()
                            + " has no model weights in a known format (safetensors, gguf, onnx, pytorch)"));
        }
        List<HubFile> weights = weights(listing.files(), chosen);
        if (weights.isEmpty()) {
            List<String> present = FORMATS.stream().filter(f -> !weights(listing.files(), f).isEmpty()).toList();
            // A quantisation suffix on model_name (":Q4_K_M") is what asked for gguf.
            throw HubException.missing(quant != null ? "model_name" : "model_format", listing.repoId() + " has no "
                    + chosen + " files; it has "
                    + (present.isEmpty() ? "no model weights in a known format" : String.join(", ", present)));
        }
        if (chosen.equals("gguf")) {
            weights = gguf(listing.repoId(), weights, quant);
        } else if (chosen.equals("onnx")) {
            weights = onnx(listing.files(), weights);
        }
        Set<HubFile> files = new LinkedHashSet<>();
        listing.files().stream().filter(f -> SMALL_FILES.contains(f.path())).forEach(files::add);
        files.addAll(weights);
        return new Choice(chosen, List.copyOf(files));
    }

    private static List<HubFile> weights(List<HubFile> all, String format) {
        return all.stream().filter(f -> matches(f.path(), format)).toList();
    }

    private static boolean matches(String path, String format) {
        String lower = path.toLowerCase(Locale.ROOT);
        boolean top = !path.contains("/");
        return switch (format) {
            case "safetensors" -> top && (lower.endsWith(".safetensors") || lower.endsWith(".safetensors.index.json"));
            case "pytorch" -> top && !lower.equals("training_args.bin") && (lower.endsWith(".bin")
                    || lower.endsWith(".pt") || lower.endsWith(".pth") || lower.endsWith(".bin.index.json"));
            case "gguf" -> lower.endsWith(".gguf");
            case "onnx" -> lower.endsWith(".onnx");
            default -> false;
        };
    }

    private static List<HubFile> gguf(String repo, List<HubFile> files, String quant) {
        List<String> quants = files.stream().map(f -> quantOf(f.path())).filter(q -> !q.isEmpty()).distinct().sorted().toList();
        String wanted = quant;
        if (wanted == null) {
            wanted = GGUF_DEFAULTS.stream().filter(q -> quants.stream().anyMatch(q::equalsIgnoreCase)).findFirst().orElse(null);
        }
        if (wanted == null) {
            HubFile smallest = files.stream().min(Comparator.comparingLong(HubFile::size)).orElseThrow();
            wanted = quantOf(smallest.path());
            if (wanted.isEmpty()) {
                return List.of(smallest);
            }
        }
        String q = wanted;
        List<HubFile> picked = files.stream().filter(f -> quantOf(f.path()).equalsIgnoreCase(q)).toList();
        if (picked.isEmpty()) {
            throw HubException.missing(quant != null ? "model_name" : "model_format", repo
                    + " has no GGUF file for quantisation " + q + "; it has "
                    + (quants.isEmpty() ? "unnamed GGUF files" : String.join(", ", quants)));
        }
        // One quantisation: all parts of a split file, or one single file.
        List<HubFile> split = picked.stream().filter(f -> SPLIT.matcher(f.path()).find()).toList();
        return split.isEmpty() ? List.of(picked.get(0)) : split;
    }

    /** {@code model-Q4_K_M.gguf} -> {@code Q4_K_M}; the token after the last '-' or '.' before the extension. */
    static String quantOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        name = SPLIT.matcher(name).replaceAll(".gguf");
        name = name.substring(0, name.length() - ".gguf".length());
        int cut = Math.max(name.lastIndexOf('-'), name.lastIndexOf('.'));
        String token = name.substring(cut + 1);
        return token.toUpperCase(Locale.ROOT).matches("(I?Q\\d.*|F16|F32|BF16)") ? token.toUpperCase(Locale.ROOT) : "";
    }

    private static List<HubFile> onnx(List<HubFile> all, List<HubFile> onnxFiles) {
        HubFile main = onnxFiles.stream().filter(f -> f.path().endsWith("model.onnx"))
                .min(Comparator.comparingInt(f -> f.path().length()))
                .orElse(onnxFiles.get(0));
        List<HubFile> picked = new ArrayList<>();
        picked.add(main);
        for (HubFile f : all) {
            String p = f.path();
            if (p.equals(main.path() + "_data") || p.equals(main.path() + ".data")
                    || p.startsWith(main.path() + "_data_")) {
                picked.add(f);
            }
        }
        return picked;
    }
}
