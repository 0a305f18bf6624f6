package com.cryptomaltese.gateway.engine.arch;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model folder's {@code config.json}, read so that what is wrong with it is said by field: a
 * size of 0 or -1, or 5.5 layers, is refused at load instead of failing later as "/ by zero", as
 * "-1", or at every chat.
 */
public final class ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {
    }

    /** The file as JSON; a file that is not JSON is refused naming it. */
    public static JsonNode read(Path modelDir) throws IOException {
        return readJson(modelDir.resolve("config.json"));
    }

    /** Any of the folder's JSON files; one that is not JSON is refused naming it. */
    public static JsonNode readJson(Path file) throws IOException {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            return node == null ? JSON.createObjectNode() : node;
        } catch (JsonProcessingException e) {
            throw new IOException(notJson(file.getFileName().toString(), e));
        }
    }

    /**
     * Where a file stops being JSON, without its text: the file may be a link to something else
     * entirely (a key file), and the reason reaches the API's answers. Jackson's own words quote the
     * token it could not read.
     */
    public static String notJson(String name, JacksonException e) {
        JsonLocation at = e.getLocation();
        return name + " is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                + at.getColumnNr() + ")");
    }

    /** A whole number of at least 1 that the file must have. */
    public static int positive(JsonNode config, String field) throws IOException {
        if (config.path(field).isMissingNode() || config.path(field).isNull()) {
            throw new IOException("config.json: " + field + " is missing");
        }
        return positive(config, field, 0);
    }

    /** A whole number of at least 1, or {@code fallback} when the file does not say. */
    public static int positive(JsonNode config, String field, int fallback) throws IOException {
        JsonNode value = config.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        // 4096.0 is whole too (converted configs write it so)
        if (!value.isNumber() || value.doubleValue() != Math.rint(value.doubleValue()) || value.doubleValue() < 1
                || value.doubleValue() > Integer.MAX_VALUE) {
            throw new IOException("config.json: " + field + " must be a whole number of at least 1, not " + value);
        }
        return (int) value.doubleValue();
    }
}
