package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.cryptomaltese.gateway.engine.weights.RestrictedUnpickler.Storage;
import com.cryptomaltese.gateway.engine.weights.RestrictedUnpickler.TensorRef;

/**
 * A state dict written by {@code torch.save} (PyTorch 1.6 and later: a zip archive), such as
 * {@code pytorch_model.bin} or a {@code *.pt} file. The archive holds {@code <archive>/data.pkl},
 * the pickled dict, and one entry {@code <archive>/data/<key>} per storage with its raw
 * little-endian elements. The pickle is read by {@link RestrictedUnpickler}, which executes
 * nothing and refuses any global a state dict does not need ("unsafe pickle: posix.system").
 *
 * <p>Everything the pickle claims is checked against the archive when the file is opened: each
 * storage entry exists and has exactly {@code numel * element size} bytes, and each tensor is a
 * contiguous row-major view that lies inside its storage. Only float32, float16 and bfloat16
 * tensors are delivered (as F32, like safetensors); other dtypes and strided views are refused by
 * name. Every failure is a {@link TorchCheckpointException} naming the file. Safe to read from
 * several threads.
 *
 * <p>{@link TensorInfo#byteOffset()} is the offset inside the tensor's storage entry, not in the file.
 */
public final class TorchCheckpoint implements WeightLoader {

    /** Refuse larger pickles before reading them; a state dict's pickle is kilobytes per hundred tensors. */
    static final long MAX_PICKLE_BYTES = 100L * 1024 * 1024;

    private final String source;
    private final ZipFile zip;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, ZipEntry> entryOf;

    private TorchCheckpoint(String source, ZipFile zip, Map<String, TensorInfo> tensors, Map<String, ZipEntry> entryOf) {
        this.source = source;
        this.zip = zip;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.entryOf = entryOf;
    }

    public static TorchCheckpoint open(Path path) throws IOException {
        String source = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new TorchCheckpointException(source + ": not found or not a regular file");
        }
        checkMagic(source, path);
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (IOException | RuntimeException e) {
            throw new TorchCheckpointException(source + ": not a readable zip archive (truncated or corrupt?): "
                    + e.getMessage(), e);
        }
        try {
            return read(source, zip);
        } catch (TorchCheckpointException e) {
            zip.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            // The JDK's zip reader reports some corruption as IllegalArgumentException & co.
            zip.close();
            throw new TorchCheckpointException(source + ": corrupt zip archive: " + e, e);
        }
    }

    private static void checkMagic(String source, Path path) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n >= 1 && (head[0] & 0xFF) == 0x80) {
            throw new TorchCheckpointException(source + ": a legacy (PyTorch < 1.6, non-zip) torch.save file; "
                    + "only the zip format is supported (re-save it with a current torch, or as safetensors)");
        }
        if (n < 4 || head[0] != 'P' || head[1] != 'K') {
            throw new TorchCheckpointException(source + ": not a torch.save zip archive (" + n + " bytes read, no 'PK' signature)");
        }
    }

    private static TorchCheckpoint read(String source, ZipFile zip) throws IOException {
        String prefix = archivePrefix(source, zip);
        if (TorchScriptArchive.isProgram(zip)) {
            // Its pickle would fail on the program's classes ("unsafe pickle: __torch__..."); say what it is.
            throw new TorchCheckpointException(source + ": " + TorchScriptArchive.refusal(Path.of(source).getFileName().toString()));
        }
        checkByteOrder(source, zip, prefix);
        ZipEntry pklEntry = zip.getEntry(prefix + "data.pkl");
        byte[] pickle = readEntry(source, zip, pklEntry, MAX_PICKLE_BYTES);

        ArchiveStorages storages = new ArchiveStorages(zip, prefix + "data/", true);
        Object root = RestrictedUnpickler.load(source + ": " + pklEntry.getName(), pickle, storages::resolve);

        if (!(root instanceof Map<?, ?> dict)) {
            throw new TorchCheckpointException(source + ": the pickle holds " + RestrictedUnpickler.describe(root)
                    + ", not a state dict (a dict of tensors)");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, ZipEntry> entryOf = new HashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new TorchCheckpointException(source + ": state dict key " + RestrictedUnpickler.describe(e.getKey())
                        + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw new TorchCheckpointException(source + ": '" + RestrictedUnpickler.printable(name) + "' is "
                        + RestrictedUnpickler.describe(e.getValue()) + ", not a tensor (only flat state dicts are supported)");
            }
            tensors.put(name, tensorInfo(source, name, ref));
            entryOf.put(name, storages.entry(ref.storage()));
        }
        return new TorchCheckpoint(source, zip, tensors, entryOf);
    }

    /** The one top-level folder holding {@code data.pkl} (torch names it after the file, or "archive"). */
    static String archivePrefix(String source, ZipFile zip) throws TorchCheckpointException {
        List<String> found = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (name.endsWith("/data.pkl") && slash == name.length() - "/data.pkl".length()) {
                found.add(name.substring(0, slash + 1));
            }
        }
        if (found.size() != 1) {
            throw new TorchCheckpointException(source + ": expected exactly one '<archive>/data.pkl' entry in the zip, found "
                    + found.size() + (found.isEmpty() ? " (not a torch.save file?)" : ""));
        }
        return found.get(0);
    }

    private static void checkByteOrder(String source, ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return; // written since torch 1.12; older files are little-endian
        }
        String order = new String(readEntry(source, zip, entry, 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new TorchCheckpointException(source + ": byteorder '" + RestrictedUnpickler.printable(order)
                    + "' is not supported; only little-endian checkpoints can be read");
        }
    }

    /** Shape, stride and offset as a contiguous row-major byte range inside the storage. */
    private static TensorInfo tensorInfo(String source, String name, TensorRef ref) throws TorchCheckpointException {
        String where = source + ": tensor '" + RestrictedUnpickler.printable(name) + "'";
        long[] shape = ref.shape();
        long[] stride = ref.stride();
        if (shape.length != stride.length) {
            throw new TorchCheckpointException(where + ": " + shape.length + " dimensions but " + stride.length + " strides");
        }
        long count = 1;
        long expectedStride = 1;
        boolean contiguous = true;
        try {
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] < 0) {
                    throw new TorchCheckpointException(where + ": negative dimension in shape " + java.util.Arrays.toString(shape));
                }
                // Like torch's is_contiguous: the stride of a size-1 dimension does not matter.
                if (shape[i] != 1 && stride[i] != expectedStride) {
                    contiguous = false;
                }
                count = Math.multiplyExact(count, shape[i]);
                expectedStride = Math.multiplyExact(expectedStride, shape[i]);
            }
        } catch (ArithmeticException e) {
            throw new TorchCheckpointException(where + ": shape " + java.util.Arrays.toString(shape) + " overflows");
        }
        if (count > 0 && !contiguous) {
            throw new TorchCheckpointException(where + ": shape " + java.util.Arrays.toString(shape) + " with stride "
                    + java.util.Arrays.toString(stride) + " is not contiguous row-major; only contiguous tensors are "
                    + "supported (save tensor.contiguous())");
        }
        Storage s = ref.storage();
        if (ref.offset() < 0 || ref.offset() > s.numel() || count > s.numel() - ref.offset()) {
            throw new TorchCheckpointException(where + ": elements " + ref.offset() + ".." + ref.offset() + "+" + count
                    + " lie outside its storage '" + RestrictedUnpickler.printable(s.key()) + "' of " + s.numel() + " elements");
        }
        int bytes = s.dtype().bytes();
        return new TensorInfo(name, s.dtype(), shape, ref.offset() * bytes, count * bytes);
    }

    static byte[] readEntry(String source, ZipFile zip, ZipEntry entry, long limit) throws IOException {
        if (entry.getSize() > limit) {
            throw new TorchCheckpointException(source + ": entry " + entry.getName() + " is " + entry.getSize()
                    + " bytes, over the limit of " + limit);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limit) {
                throw new TorchCheckpointException(source + ": entry " + entry.getName() + " is over the limit of "
                        + limit + " bytes");
            }
            if (entry.getSize() >= 0 && bytes.length != entry.getSize()) {
                throw new TorchCheckpointException(source + ": entry " + entry.getName() + " has " + bytes.length
                        + " bytes, the zip directory says " + entry.getSize());
            }
            return bytes;
        } catch (TorchCheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TorchCheckpointException(source + ": cannot read entry " + entry.getName() + ": " + e, e);
        }
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public float[] load(String name) throws IOException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw SafetensorsException.noSuchTensor(source, name, tensors.keySet());
        }
        String where = source + ": tensor '" + name + "'";
        if (t.byteLength() > Integer.MAX_VALUE - 8) {
            throw new TorchCheckpointException(where + " is " + t.byteLength()
                    + " bytes; a single tensor over 2 GiB cannot be held in one array and is not supported");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entryOf.get(name))) {
            in.skipNBytes(t.byteOffset());
            bytes = in.readNBytes((int) t.byteLength());
        } catch (IOException | RuntimeException e) {
            // e.g. EOFException (the file changed since it was opened), IllegalStateException (closed)
            throw new TorchCheckpointException(where + ": cannot read its storage: " + e, e);
        }
        if (bytes.length != t.byteLength()) {
            throw new TorchCheckpointException(where + ": its storage ended after " + bytes.length + " of "
                    + t.byteLength() + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) (t.byteLength() / t.dtype().bytes())];
        switch (t.dtype()) {
            case F32 -> buf.asFloatBuffer().get(out);
            case F16 -> {
                ShortBuffer s = buf.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloat.f16ToFloat(s.get(i));
                }
            }
            case BF16 -> {
                ShortBuffer s = buf.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloat.bf16ToFloat(s.get(i));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    @Override
    public String toString() {
        return source;
    }
}
