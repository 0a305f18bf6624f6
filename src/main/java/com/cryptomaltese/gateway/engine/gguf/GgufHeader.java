package com.cryptomaltese.gateway.engine.gguf;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The validated header of a GGUF file, as read by {@link GgufReader#read}. Metadata values are
 * Java objects by GGUF value type: UINT8/INT8/UINT16/INT16/INT32 as {@link Integer} (unsigned types
 * zero-extended), UINT32/INT64 as {@link Long}, UINT64 as {@link Long} holding the raw 64 bits
 * (use {@link Long#toUnsignedString} above 2^63), FLOAT32 as {@link Float}, FLOAT64 as
 * {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as an unmodifiable
 * {@link List} of those. Keys keep file order.
 *
 * @param dataOffset absolute file offset of the data section (may equal or exceed the file size
 *                   when there are no tensors, as in vocab-only files)
 */
public record GgufHeader(int version, long tensorCount, Map<String, Object> metadata, List<GgufTensor> tensors,
        long dataOffset, int alignment) {

    public static final String ARCHITECTURE = "general.architecture";
    public static final String FILE_TYPE = "general.file_type";
    public static final String CHAT_TEMPLATE = "tokenizer.chat_template";

    public GgufHeader {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** {@code general.architecture}, e.g. "llama". */
    public Optional<String> architecture() {
        return metadata.get(ARCHITECTURE) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** {@code <arch>.context_length}, if present and a non-negative integer. */
    public OptionalLong contextLength() {
        return architecture().map(a -> integer(a + ".context_length")).orElse(OptionalLong.empty());
    }

    /** {@code tokenizer.chat_template}, the Jinja template the file ships with. */
    public Optional<String> chatTemplate() {
        return metadata.get(CHAT_TEMPLATE) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** {@code general.file_type} (llama.cpp's {@code llama_ftype}, e.g. 0 all F32, 1 mostly F16). */
    public OptionalLong fileType() {
        return integer(FILE_TYPE);
    }

    /** A metadata value that is an integer of any GGUF integer type and not negative. */
    public OptionalLong integer(String key) {
        Object v = metadata.get(key);
        if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0) {
            return OptionalLong.of(((Number) v).longValue());
        }
        return OptionalLong.empty();
    }

    /** How many tensors there are of each type, in type order. */
    public Map<GgmlType, Integer> tensorTypeCounts() {
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        for (GgufTensor t : tensors) {
            counts.merge(t.type(), 1, Integer::sum);
        }
        return counts;
    }

    /** The type that holds most of the weight bytes (the file's quantisation), empty without tensors. */
    public Optional<GgmlType> mainType() {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufTensor t : tensors) {
            bytes.merge(t.type(), t.bytes(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
    }

    /** Quantisation summary, e.g. "F16 x9, F32 x3 (file type 1)"; "no tensors" for vocab-only files. */
    public String quantisation() {
        StringBuilder sb = new StringBuilder();
        tensorTypeCounts().forEach((type, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(type).append(" x").append(n));
        if (sb.length() == 0) {
            sb.append("no tensors");
        }
        fileType().ifPresent(ft -> sb.append(" (file type ").append(ft).append(')'));
        return sb.toString();
    }

    /** One line for a model list, e.g. "llama (GGUF v3, F32, context 512)". */
    public String describe() {
        StringBuilder sb = new StringBuilder(architecture().orElse("unknown architecture")).append(" (GGUF v").append(version);
        mainType().ifPresent(t -> sb.append(", ").append(t));
        contextLength().ifPresent(c -> sb.append(", context ").append(c));
        return sb.append(')').toString();
    }
}
