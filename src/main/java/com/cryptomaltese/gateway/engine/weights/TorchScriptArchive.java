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

    /**
     * Checks every storage and tensor the program's pickles ({@code data.pkl}, {@code constants.pkl})
     * name against the archive, without running anything: libtorch trusts them when it loads the
     * program, and a storage entry shorter than its pickle says is read past its end (a crash of the
     * process, or other memory read as weights).
     */
    public static void checkStorages(Path program) throws IOException {
        String source = program.getFileName().toString();
        try (ZipFile zip = new ZipFile(program.toFile())) {
            String prefix = TorchCheckpoint.archivePrefix(source, zip);
            for (String archive : new String[] {"data", "constants"}) {
                ZipEntry pickle = zip.getEntry(prefix + archive + ".pkl");
                if (pickle == null && archive.equals("constants")) {
                    continue; // written by every torch.jit.save, but a program without constants needs none
                }
                byte[] bytes = TorchCheckpoint.readEntry(source, zip, pickle, TorchCheckpoint.MAX_PICKLE_BYTES);
                ArchiveStorages storages = new ArchiveStorages(zip, prefix + archive + "/", false);
                RestrictedUnpickler.loadProgram(source + ": " + pickle.getName(), bytes, storages::resolve);
            }
        } catch (TorchCheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TorchCheckpointException(source + ": corrupt zip archive: " + e, e);
        }
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
