package com.cryptomaltese.gateway.model;

import java.nio.file.Path;

/**
 * A model found on disk in the Hugging Face cache layout.
 *
 * @param snapshot  the folder holding the model files ({@code snapshots/<commit>})
 * @param commit    the revision {@code refs/main} names (or the only snapshot)
 * @param sizeBytes    bytes of the snapshot's files, symlinks into {@code blobs/} followed
 * @param quantisation how the weights are stored: the GGUF tensor type holding most bytes (e.g.
 *                     {@code Q8_0}), or config.json's dtype ({@code F32}, {@code BF16}); null if unknown
 */
public record LocalModel(ModelId id, Path folder, Path snapshot, String commit, ModelFormat format,
                         long sizeBytes, String description, String quantisation) {
}
