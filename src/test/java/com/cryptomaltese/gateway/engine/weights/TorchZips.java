package com.cryptomaltese.gateway.engine.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Test helpers: take torch.save zips apart, put (altered) ones together, and spell pickles. */
public final class TorchZips {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/torch");

    private TorchZips() {
    }

    /** Every entry, in zip order. */
    public static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> e = z.entries();
            while (e.hasMoreElements()) {
                ZipEntry entry = e.nextElement();
                out.put(entry.getName(), z.getInputStream(entry).readAllBytes());
            }
        }
        return out;
    }

    /** Writes the entries STORED, as torch.save does. */
    public static void write(Path zip, Map<String, byte[]> entries) throws IOException {
        try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }

    /** A torch-style archive with just a data.pkl (and the given storages as archive/data/<key>). */
    static void writeArchive(Path zip, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        write(zip, entries);
    }

    /** Pickle bytes: Integers are single bytes (opcodes, operands), Strings are their ISO-8859-1 bytes. */
    static byte[] pickle(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                b.write(i);
            } else if (p instanceof Character c) {
                b.write(c);
            } else {
                b.writeBytes(((String) p).getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return b.toByteArray();
    }

    /** BINUNICODE of an ASCII string. */
    static byte[] unicode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('X');
        b.write(bytes.length);
        b.write(bytes.length >>> 8);
        b.write(bytes.length >>> 16);
        b.write(bytes.length >>> 24);
        b.writeBytes(bytes);
        return b.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
