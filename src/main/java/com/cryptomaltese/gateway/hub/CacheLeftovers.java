package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What downloads leave behind in a model folder of the Hugging Face cache layout, and its removal
 * ({@code clean_cache}): part files ({@code blobs/*.incomplete}), snapshots left half-built
 * ({@code snapshots/.<commit>-….tmp}) and blobs that no snapshot links to (an earlier commit's
 * files after an update, the verified files of a download that failed). What a snapshot links to
 * is never touched, so a model in use keeps every file it reads.
 * <p>
 * Only for folders no download is writing to: the caller makes sure of that.
 */
public final class CacheLeftovers {

    private CacheLeftovers() {
    }

    /** Deletes one file or link (never what a link points to); counting it, when the caller counts. */
    @FunctionalInterface
    public interface Remover {
        void remove(Path file) throws IOException;
    }

    /**
     * True when {@code folder} holds at least one complete snapshot: a non-hidden folder in snapshots/,
     * or a link to one, as the model registry counts it.
     */
    static boolean hasSnapshot(Path folder) throws IOException {
        return !snapshots(folder).isEmpty();
    }

    private static List<Path> snapshots(Path folder) throws IOException {
        Path snapshots = folder.resolve("snapshots");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(snapshots, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> all = Files.newDirectoryStream(snapshots)) {
                for (Path snapshot : all) {
                    if (!hidden(snapshot) && Files.isDirectory(snapshot)) {
                        found.add(snapshot);
                    }
                }
            }
        }
        return found;
    }

    /**
     * Removes the leftovers of {@code folder}, each file through {@code remove}; the folders they
     * leave empty go too. What cannot be removed does not stop the rest: the first failure is thrown
     * at the end, the others suppressed in it.
     */
    static void clean(Path folder, Remover remove) throws IOException {
        List<IOException> failures = new ArrayList<>();
        Path snapshots = folder.resolve("snapshots");
        if (Files.isDirectory(snapshots, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> all = Files.newDirectoryStream(snapshots)) {
                for (Path snapshot : all) {
                    if (hidden(snapshot)) {
                        removeTree(snapshot, remove, failures);
                    }
                }
            }
        }
        Path blobs = folder.resolve("blobs");
        // A snapshot that is itself a link is a layout this code did not make: which blobs it needs is not
        // guessed, so they all stay.
        if (Files.isDirectory(blobs, LinkOption.NOFOLLOW_LINKS)
                && snapshots(folder).stream().noneMatch(Files::isSymbolicLink)) {
            Set<Path> linked = linkedFiles(snapshots);
            try (DirectoryStream<Path> all = Files.newDirectoryStream(blobs)) {
                for (Path blob : all) {
                    if (!linked.contains(realPath(blob))) {
                        removeTree(blob, remove, failures);
                    }
                }
            }
        }
        throwFirst(failures);
    }

    private static void removeTree(Path root, Remover remove, List<IOException> failures) {
        try {
            removeTree(root, remove);
        } catch (IOException e) {
            failures.add(e);
        }
    }

    private static void throwFirst(List<IOException> failures) throws IOException {
        if (!failures.isEmpty()) {
            IOException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /**
     * The real paths of what the links under {@code snapshots} point at, however they are written
     * (relative, absolute, through other links); links to nothing are skipped.
     */
    private static Set<Path> linkedFiles(Path snapshots) throws IOException {
        Set<Path> linked = new HashSet<>();
        if (!Files.isDirectory(snapshots, LinkOption.NOFOLLOW_LINKS)) {
            return linked;
        }
        Files.walkFileTree(snapshots, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isSymbolicLink()) {
                    Path target = realPath(file);
                    if (target != null) {
                        linked.add(target);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return linked;
    }

    /** Where {@code path} really is, links followed; null when it leads nowhere. */
    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Removes a file, link or folder tree without following links, each file through {@code remove}. What
     * cannot be removed does not stop the rest (a model's snapshot links must not outlive its blobs
     * because one blob was held): the first failure is thrown at the end, the others suppressed in it.
     */
    static void removeTree(Path root, Remover remove) throws IOException {
        List<IOException> failures = new ArrayList<>();
        removeTree(root, remove, (path, failure) -> {
            // A folder left because something in it stayed is that thing's failure; alone, something
            // appeared in it meanwhile.
            if (!(failure instanceof DirectoryNotEmptyException) || failures.isEmpty()) {
                failures.add(failure);
            }
        });
        throwFirst(failures);
    }

    /**
     * The same walk, each failure handed to {@code failed} (a file, or a folder left non-empty); a file
     * gone meanwhile is none. Throws only when {@code root} itself cannot be read.
     */
    public static void removeTree(Path root, Remover remove, BiConsumer<Path, IOException> failed) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                try {
                    remove.remove(file);
                } catch (IOException e) {
                    failed.accept(file, e);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                if (!(failure instanceof NoSuchFileException)) {
                    failed.accept(file, failure);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    failed.accept(dir, e);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }
}
