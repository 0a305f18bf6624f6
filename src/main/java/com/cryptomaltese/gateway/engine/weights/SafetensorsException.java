package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.stream.Collectors;

/**
 * A weights file that cannot be read as promised: malformed, truncated, unsupported or missing a
 * tensor. An {@link IOException} so that callers loading a model handle it like any other read
 * failure; the message always names the file and, where it matters, the tensor.
 */
public class SafetensorsException extends IOException {

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The tensor is not there. Lists a few names that are, closest (longest common prefix) first,
     * because the usual cause is a naming convention mismatch such as {@code model.} prefixes.
     */
    static SafetensorsException noSuchTensor(String source, String name, Collection<String> names) {
        String some = names.stream()
                .sorted(Comparator.comparingInt((String n) -> -commonPrefix(n, name)).thenComparing(n -> n))
                .limit(5)
                .collect(Collectors.joining(", "));
        return new SafetensorsException(source + ": no tensor '" + name + "' (" + names.size() + " tensors"
                + (names.isEmpty() ? "" : ", e.g. " + some) + ")");
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }
}
