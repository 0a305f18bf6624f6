package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Makes a file no one can delete, root included (the tests run as root, for whom permission bits stop
 * nothing): Linux's immutable attribute, set and cleared with chattr.
 */
final class Undeletable {

    private Undeletable() {
    }

    static void make(Path file) throws IOException, InterruptedException {
        chattr("+i", file);
    }

    /** Must follow every {@link #make}: an immutable file would outlive the build's clean. */
    static void release(Path file) throws IOException, InterruptedException {
        chattr("-i", file);
    }

    private static void chattr(String flag, Path file) throws IOException, InterruptedException {
        Process chattr = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
        String output = new String(chattr.getInputStream().readAllBytes());
        if (!chattr.waitFor(30, TimeUnit.SECONDS) || chattr.exitValue() != 0) {
            throw new AssertionError("chattr " + flag + " " + file + " failed: " + output);
        }
    }
}
