package com.cryptomaltese.gateway.engine.weights;

import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.cryptomaltese.gateway.engine.weights.RestrictedUnpickler.Global;
import com.cryptomaltese.gateway.engine.weights.RestrictedUnpickler.Storage;
import com.cryptomaltese.gateway.engine.weights.RestrictedUnpickler.Tuple;

/**
 * The storages one pickle of a torch zip archive names by persistent id
 * {@code ('storage', <storage type>, key, location, numel)}, each checked against the entry
 * {@code <folder><key>} before anything reads it: the entry exists, is stored uncompressed and has
 * exactly {@code numel} elements of its type. A storage named twice must be named alike.
 */
final class ArchiveStorages {

    private final ZipFile zip;
    private final String folder;
    private final boolean weightTypesOnly;
    private final Map<String, Storage> storages = new HashMap<>();
    private final Map<String, ZipEntry> entries = new HashMap<>();

    /**
     * @param folder          the entries' folder inside the zip, such as {@code archive/data/}
     * @param weightTypesOnly refuse storage types that are not read as weights (a state dict's
     *                        tensors are delivered as F32; a program may hold any type)
     */
    ArchiveStorages(ZipFile zip, String folder, boolean weightTypesOnly) {
        this.zip = zip;
        this.folder = folder;
        this.weightTypesOnly = weightTypesOnly;
    }

    /** The {@link RestrictedUnpickler.PersistentLoader} for the pickle. */
    Storage resolve(Object pid, String where) throws TorchCheckpointException {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global type)
                || !(t.get(2) instanceof String key) || !(t.get(3) instanceof String) || !(t.get(4) instanceof Long numel)) {
            throw new TorchCheckpointException(where + ": persistent id " + RestrictedUnpickler.describe(pid)
                    + " is not ('storage', <storage type>, key, location, numel)");
        }
        if (!type.isStorageType()) {
            throw new TorchCheckpointException(where + ": " + type + " is not a storage type");
        }
        String k = RestrictedUnpickler.printable(key);
        if (weightTypesOnly && type.dtype == null) {
            throw new TorchCheckpointException(where + ": storage '" + k + "' is a " + type
                    + "; only torch.FloatStorage, torch.HalfStorage and torch.BFloat16Storage (float32, float16, "
                    + "bfloat16 tensors) are supported");
        }
        if (numel < 0) {
            throw new TorchCheckpointException(where + ": storage '" + k + "' has " + numel + " elements");
        }
        Storage known = storages.get(key);
        if (known != null) {
            // Of another type, its entry would be read with another element size (past its end).
            if (known.type() != type || known.numel() != numel) {
                throw new TorchCheckpointException(where + ": storage '" + k + "' is described twice, differently");
            }
            return known;
        }
        if (key.isEmpty() || key.contains("/")) {
            throw new TorchCheckpointException(where + ": storage key '" + k + "' is not a plain entry name");
        }
        ZipEntry entry = zip.getEntry(folder + key);
        if (entry == null || entry.isDirectory()) {
            throw new TorchCheckpointException(where + ": storage '" + k + "' has no entry " + folder + k
                    + " in the zip (truncated archive?)");
        }
        if (entry.getMethod() != ZipEntry.STORED) {
            // torch never compresses storages; a compressed entry could inflate far beyond the file's size.
            throw new TorchCheckpointException(where + ": storage '" + k + "' is compressed in the zip; "
                    + "torch stores storages uncompressed and only that is supported");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) type.elementBytes);
        } catch (ArithmeticException e) {
            throw new TorchCheckpointException(where + ": storage '" + k + "' claims " + numel + " elements");
        }
        if (entry.getSize() != bytes) {
            throw new TorchCheckpointException(where + ": storage '" + k + "' should hold " + numel + " x " + type
                    + " = " + bytes + " bytes, but its zip entry has " + entry.getSize());
        }
        Storage s = new Storage(key, type, numel);
        storages.put(key, s);
        entries.put(key, entry);
        return s;
    }

    /** The zip entry of a storage {@link #resolve} returned. */
    ZipEntry entry(Storage storage) {
        return entries.get(storage.key());
    }
}
