package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.args.LogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and how the binding's native library is loaded. It ships inside the jar and is extracted
 * on first use to {@code de.kherud.llama.tmpdir}, where the binding first deletes every file whose
 * name starts with "llama" or "jllama"; a folder of our own (under the data directory's cache)
 * keeps that away from the shared temporary directory. Nothing is downloaded.
 */
final class NativeLibrary {

    private static final Logger log = LoggerFactory.getLogger("llama.cpp");
    private static final String TMPDIR = "de.kherud.llama.tmpdir";
    private static boolean prepared;

    private NativeLibrary() {
    }

    /** Once per process, before the first model: extraction folder and llama.cpp's log messages. */
    static synchronized void prepare(Path folder) throws IOException {
        if (prepared) {
            return;
        }
        if (System.getProperty(TMPDIR) == null) {
            System.setProperty(TMPDIR, Files.createDirectories(folder).toAbsolutePath().toString());
        }
        // Messages of the library itself (before a model is loaded) come here: warnings and errors are
        // kept. Loading a model routes llama.cpp's log through its own logger instead, which the
        // engine switches off (--log-disable): it would print every load's metadata and every request.
        LlamaModel.setLogger(LogFormat.TEXT, NativeLibrary::log);
        prepared = true;
    }

    private static void log(LogLevel level, String message) {
        if (level == LogLevel.ERROR) {
            log.warn("{}", message.strip());
        } else if (level == LogLevel.WARN) {
            log.info("{}", message.strip());
        }
    }
}
