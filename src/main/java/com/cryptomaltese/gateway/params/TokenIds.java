package com.cryptomaltese.gateway.params;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token ids given as transformers takes {@code eos_token_id}: one integer or a list of them. The
 * shape is kept, so a value reads back (on the wire and from storage) as it was written.
 */
public record TokenIds(List<Integer> ids, boolean list) {

    /** Longest list accepted; real models name one to a handful of end tokens. */
    static final int MAX_IDS = 32;

    public TokenIds {
        ids = List.copyOf(ids);
        if (ids.isEmpty() || ids.size() > MAX_IDS || (!list && ids.size() != 1)) {
            throw new IllegalArgumentException("must be an integer or a list of 1 to " + MAX_IDS + " integers");
        }
    }

    public static TokenIds of(int id) {
        return new TokenIds(List.of(id), false);
    }

    public static TokenIds of(List<Integer> ids) {
        return new TokenIds(ids, true);
    }

    /** From JSON: an integer or an array of integers; anything else names the expected shape. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static TokenIds fromJson(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return of(node.intValue());
        }
        if (node.isArray()) {
            List<Integer> ids = new ArrayList<>();
            for (JsonNode id : node) {
                if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                    throw new IllegalArgumentException("must be an integer or a list of integers, found " + id);
                }
                ids.add(id.intValue());
            }
            return of(ids);
        }
        throw new IllegalArgumentException("must be an integer or a list of integers");
    }

    @JsonValue
    Object json() {
        return list ? ids : ids.get(0);
    }

    /** Stored text back into ids: what {@link #toString()} wrote. */
    static TokenIds parse(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith("[")) {
            return of(Integer.parseInt(trimmed));
        }
        List<Integer> ids = new ArrayList<>();
        for (String id : trimmed.substring(1, trimmed.length() - 1).split(",")) {
            ids.add(Integer.parseInt(id.strip()));
        }
        return of(ids);
    }

    /** {@code 2} or {@code [2,0]}: the JSON form, also what is stored. */
    @Override
    public String toString() {
        if (!list) {
            return String.valueOf(ids.get(0));
        }
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < ids.size(); i++) {
            text.append(i == 0 ? "" : ",").append(ids.get(i));
        }
        return text.append(']').toString();
    }
}
