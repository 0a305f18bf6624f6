package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.TestData;
import org.junit.jupiter.api.Test;

/** What counts as a leftover in a model folder, for layouts the gateway did not write itself. */
class CacheLeftoversTest {

    final Path root = TestData.freshDataDir("target/test-data/cache-leftovers");
    final List<Path> removed = new ArrayList<>();

    void remove(Path file) throws IOException {
        removed.add(file);
        Files.delete(file);
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @Test
    void aBlobLinkedByAnAbsoluteLinkOrThroughALinkedFolderStays() throws Exception {
        Path folder = root.resolve("models--a--b");
        Path absolute = write(folder.resolve("blobs/" + "1".repeat(40)), "config");
        Path viaLink = write(folder.resolve("blobs/" + "2".repeat(64)), "weights");
        Path orphan = write(folder.resolve("blobs/" + "3".repeat(64)), "old weights");
        Path part = write(folder.resolve("blobs/" + "4".repeat(64) + ".incomplete"), "half");
        Path snapshot = Files.createDirectories(folder.resolve("snapshots/abc"));
        Files.createSymbolicLink(snapshot.resolve("config.json"), absolute.toAbsolutePath());
        Path blobsAlias = Files.createSymbolicLink(root.resolve("blobs-alias"), folder.resolve("blobs").toAbsolutePath());
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), blobsAlias.resolve(viaLink.getFileName()));
        Path halfBuilt = Files.createDirectories(folder.resolve("snapshots/.def-1.tmp"));
        Files.createSymbolicLink(halfBuilt.resolve("model.safetensors"), Path.of("../../blobs/" + orphan.getFileName()));

        assertThat(CacheLeftovers.hasSnapshot(folder)).isTrue();
        CacheLeftovers.clean(folder, this::remove);

        assertThat(absolute).exists();
        assertThat(viaLink).exists();
        assertThat(snapshot.resolve("model.safetensors")).hasContent("weights");
        assertThat(orphan).doesNotExist();
        assertThat(part).doesNotExist();
        assertThat(halfBuilt).doesNotExist();
        assertThat(removed).containsExactlyInAnyOrder(orphan, part, halfBuilt.resolve("model.safetensors"));
    }

    /** A file that cannot go (held, immutable) is thrown at the end: the orphan blob after it still goes. */
    @Test
    void aFileThatCannotBeRemovedDoesNotStopTheRest() throws Exception {
        Path folder = root.resolve("models--e--f");
        Path kept = write(folder.resolve("blobs/" + "7".repeat(64)), "weights");
        Path snapshot = Files.createDirectories(folder.resolve("snapshots/abc"));
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), kept.toAbsolutePath());
        Path held = write(folder.resolve("snapshots/.def-1.tmp/config.json"), "{}");
        Path orphan = write(folder.resolve("blobs/" + "8".repeat(64)), "old weights");

        assertThatThrownBy(() -> CacheLeftovers.clean(folder, file -> {
            if (file.equals(held)) {
                throw new FileSystemException(file.toString(), null, "Operation not permitted");
            }
            remove(file);
        })).isInstanceOf(FileSystemException.class).hasMessageContaining("Operation not permitted");

        assertThat(held).exists();
        assertThat(orphan).doesNotExist();
        assertThat(kept).exists();
        assertThat(removed).containsExactly(orphan);
    }

    @Test
    void aSnapshotThatIsALinkCountsAndKeepsEveryBlob() throws Exception {
        Path folder = root.resolve("models--c--d");
        Path blob = write(folder.resolve("blobs/" + "5".repeat(64)), "weights");
        Path part = write(folder.resolve("blobs/" + "6".repeat(64) + ".incomplete"), "half");
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere/abc"));
        Files.createSymbolicLink(elsewhere.resolve("model.safetensors"), blob.toAbsolutePath());
        Files.createDirectories(folder.resolve("snapshots"));
        Files.createSymbolicLink(folder.resolve("snapshots/abc"), elsewhere.toAbsolutePath());

        assertThat(CacheLeftovers.hasSnapshot(folder)).isTrue();
        CacheLeftovers.clean(folder, this::remove);

        assertThat(blob).exists();
        assertThat(part).exists();
        assertThat(removed).isEmpty();
    }

    @Test
    void aFolderWithOnlyHiddenSnapshotsHasNone() throws Exception {
        Path folder = root.resolve("models--e--f");
        Files.createDirectories(folder.resolve("snapshots/.abc-1.tmp"));
        write(folder.resolve("blobs/" + "7".repeat(64) + ".incomplete"), "half");
        assertThat(CacheLeftovers.hasSnapshot(folder)).isFalse();
    }
}
