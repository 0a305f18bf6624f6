package com.cryptomaltese.gateway.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.api.ApiException;
import org.springframework.web.util.UriUtils;

/**
 * A Hugging Face Hub model id, {@code org/name} or just {@code name}. Only ids of this shape ever
 * become paths, so a model id can never point outside the models directory.
 */
public record ModelId(String org, String name) {

    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?");
    private static final int MAX_LENGTH = 200;

    /** Parses an id as it appears in a JSON body; the field name goes into the error. */
    public static ModelId parse(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field, "is required");
        }
        if (value.length() > MAX_LENGTH) {
            throw ApiException.badRequest(field, "is longer than " + MAX_LENGTH + " characters");
        }
        // '--' is refused as the Hub refuses it: it separates org and name in the cache folder's name,
        // so "a--b" would be the folder of "a/b" and delete or overwrite that model. So is a part that
        // starts or ends with '-': "a-/b" and "a/-b" would share the folder models--a---b.
        if (!SHAPE.matcher(value).matches() || value.contains("..") || value.contains("--") || value.startsWith(".")
                || value.contains("/.") || value.startsWith("-") || value.endsWith("-") || value.contains("-/")
                || value.contains("/-")) {
            throw ApiException.badRequest(field, "must look like org/name (letters, digits, '.', '_', '-'; "
                    + "no '..' or '--', no part starting with '.' or '-' or ending with '-'), got '"
                    + printable(value) + "'");
        }
        int slash = value.indexOf('/');
        return slash < 0 ? new ModelId(null, value) : new ModelId(value.substring(0, slash), value.substring(slash + 1));
    }

    /** Parses the {@code {model_id}} path segment, which carries the slash URL-encoded ({@code org%2Fname}). */
    public static ModelId fromPath(String segment) {
        String decoded;
        try {
            decoded = segment == null ? null : UriUtils.decode(segment, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("model_id", "is not correctly URL-encoded");
        }
        return parse(decoded, "model_id");
    }

    /** Folder name in the Hugging Face cache layout: {@code models--org--name}. */
    public String cacheFolderName() {
        return org == null ? "models--" + name : "models--" + org + "--" + name;
    }

    /** The model's folder below {@code modelsDir}; guaranteed to stay inside it. */
    public Path cacheFolderIn(Path modelsDir) {
        Path root = modelsDir.toAbsolutePath().normalize();
        Path folder = root.resolve(cacheFolderName()).normalize();
        if (!folder.getParent().equals(root)) {
            throw new IllegalStateException("model folder escapes the models directory: " + folder);
        }
        return folder;
    }

    /** Reads a cache folder name back into an id; null when the folder is not a model. */
    public static ModelId fromCacheFolderName(String folder) {
        if (!folder.startsWith("models--")) {
            return null;
        }
        String[] parts = folder.substring("models--".length()).split("--", -1);
        String id = parts.length == 1 ? parts[0] : parts.length == 2 ? parts[0] + "/" + parts[1] : null;
        if (id == null) {
            return null;
        }
        try {
            return parse(id, "folder");
        } catch (ApiException e) {
            return null;
        }
    }

    private static String printable(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public String toString() {
        return org == null ? name : org + "/" + name;
    }
}
