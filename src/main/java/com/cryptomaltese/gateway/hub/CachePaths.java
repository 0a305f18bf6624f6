package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.hub.HubException.Kind;

/**
 * The Hugging Face cache layout of one model ({@code models--org--name/blobs|snapshots/<commit>|refs/main})
 * and the checks that keep names the Hub sends from ever leaving it.
 */
final class CachePaths {

    private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,64}");
    private static final Pattern BLOB = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    /**
     * A file or folder name as repositories have them (README_中文.md, it's.md, résumé #1.md): any
     * character but control and invisible formatting ones (which could disguise a name in a message)
     * and lone surrogates (no file system can name them),
     * backslashes and colons (path separators and drive letters elsewhere), within ext4's 255 bytes.
     */
    private static final Pattern SEGMENT = Pattern.compile("[^\\p{Cc}\\p{Cf}\\p{Cs}\\\\/:]{1,255}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/-]{1,128}");

    /** Suffix of a blob being written; kept across restarts to continue with a Range request. */
    static final String INCOMPLETE = ".incomplete";
    /** Our own record of the download, beside blobs/ and snapshots/ (never inside a snapshot). */
    static final String METADATA = "maltese-download.json";
    /** The request and plan of a download not yet completed ({@link DownloadRecord}). */
    static final String REQUEST = "maltese-download-request.json";

    private final Path folder;

    CachePaths(Path folder) {
        this.folder = folder;
    }

    Path folder() {
        return folder;
    }

    Path blobs() {
        return folder.resolve("blobs");
    }

    Path blob(String name) {
        if (!BLOB.matcher(name).matches()) {
            throw new HubException(Kind.UNSAFE, "refusing blob name '" + printable(name) + "'");
        }
        return blobs().resolve(name);
    }

    Path incomplete(String blobName) {
        return blob(blobName).resolveSibling(blobName + INCOMPLETE);
    }

    Path snapshot(String commit) {
        return folder.resolve("snapshots").resolve(commit(commit));
    }

    Path refsMain() {
        return ref("main");
    }

    /** {@code refs/<revision>}, where huggingface-cli records which commit a branch or tag named. */
    Path ref(String revision) {
        return safeRelative(folder.resolve("refs"), revision);
    }

    Path metadata() {
        return folder.resolve(METADATA);
    }

    static String commit(String commit) {
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            throw new HubException(Kind.UNSAFE, "the Hub named an invalid commit '" + printable(commit) + "'");
        }
        return commit;
    }

    /**
     * Why {@code revision} is no acceptable branch, tag or commit, or null when it is: letters, digits,
     * '.', '_', '-' and '/' between non-empty segments, none of them '.', '..' or hidden, at most 128
     * characters. It becomes part of a URL and the path {@code refs/<revision>}, so nothing else passes.
     */
    static String revisionProblem(String revision) {
        if (revision.length() > 128) {
            return "is longer than 128 characters";
        }
        boolean shape = REVISION.matcher(revision).matches() && !revision.contains("..") && !revision.endsWith(".lock");
        for (String segment : revision.split("/", -1)) {
            shape &= !segment.isEmpty() && !segment.startsWith(".");
        }
        return shape ? null : "must be a branch, tag or commit of the repository (letters, digits, '.', '_', '-', "
                + "'/' between segments; no '..', no empty or hidden segments), got '" + printable(revision) + "'";
    }

    static boolean validBlobName(String name) {
        return name != null && BLOB.matcher(name).matches();
    }

    /**
     * Refuses a file name from the Hub's listing that could leave a folder or disguise itself: no
     * absolute paths, no {@code ..} or {@code .} segments, no backslashes, drive letters, control or
     * invisible characters or lone surrogates. A check of the text only: names never written are
     * checked too (a list holding {@code ../../etc/passwd} is hostile) without touching the file system.
     */
    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > 1024 || name.startsWith("/") || name.endsWith("/")) {
            throw unsafe(name);
        }
        for (String segment : name.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()
                    || segment.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw unsafe(name);
            }
        }
    }

    /** A checked file name ({@link #checkName}) as a path inside {@code root}, which it must stay below. */
    static Path safeRelative(Path root, String name) {
        checkName(name);
        Path base = root.toAbsolutePath().normalize();
        Path resolved;
        try {
            resolved = base.resolve(name).normalize();
        } catch (InvalidPathException e) {
            // A JVM started without a UTF-8 locale (file.encoding / sun.jnu.encoding ASCII) cannot name it.
            throw new HubException(Kind.UNSAFE, "the file name '" + printable(name) + "' cannot be written here: "
                    + "start the gateway with a UTF-8 locale (e.g. LANG=C.UTF-8)");
        }
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw unsafe(name);
        }
        return resolved;
    }

    private static HubException unsafe(String name) {
        return new HubException(Kind.UNSAFE, "the Hub's file list holds an unsafe file name '" + printable(name)
                + "'; refusing the download");
    }

    static String printable(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 120 ? value.substring(0, 120) + "…" : value;
        return shown.replaceAll("[\\p{Cc}\\p{Cf}]", "?");
    }

    /** Bytes of {@code file}; 0 when it is not there. */
    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
