package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Tells a TorchScript program ({@code torch.jit.save}) from a state dict ({@code torch.save}): both
 * are zip archives with {@code <root>/data.pkl} and {@code <root>/data/}, but only a program carries
 * its Python-like source under {@code <root>/code/} and its {@code <root>/constants.pkl}. Loading a
 * program runs that code, so it is never read as weights, and run only where a model folder opts in
 * with {@value #OPT_IN}.
 */
public final class TorchScriptArchive {

    /** The file by which a model folder opts in to running a TorchScript program; it names the program. */
    public static final String OPT_IN = "torchscript.json";

    private TorchScriptArchive() {
    }

    /** Whether {@code file} is a zip archive holding a TorchScript program; false for anything else, unreadable included. */
    public static boolean isProgram(Path file) {
        if (!Files.isRegularFile(file) || !zipSignature(file)) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return isProgram(zip);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether one top-level folder of the archive holds {@code code/} or {@code constants.pkl}. */
    static boolean isProgram(ZipFile zip) {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && (name.startsWith("code/", slash + 1) || name.substring(slash + 1).equals("constants.pkl"))) {
                return true;
            }
        }
        return false;
    }

    /** Why a program found where weights were expected is not run, and how a folder opts in. */
    public static String refusal(String fileName) {
        return fileName + " is a TorchScript program, not a state dict: TorchScript runs code, so it is loaded only "
                + "when the model folder opts in with a " + OPT_IN + " naming it ({\"file\": \"" + fileName + "\"})";
    }

    private static boolean zipSignature(Path file) {
        byte[] head = new byte[2];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, 2) == 2 && head[0] == 'P' && head[1] == 'K';
        } catch (IOException e) {
            return false;
        }
    }
}
