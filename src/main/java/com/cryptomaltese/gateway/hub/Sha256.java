package com.cryptomaltese.gateway.hub;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-256 over direct buffers: the system's OpenSSL libcrypto when it loads (through JNA, which DJL
 * already brings), else the JDK's. The JDK's runs at about 0.4 GB/s here, OpenSSL's (SHA extensions)
 * at about 1.4 GB/s, and checking a download must keep up with the network (tools/bench/download.sh).
 * OpenSSL is used only after it hashed the FIPS 180-2 test vector "abc" right.
 */
abstract class Sha256 implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Sha256.class);
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final LibCrypto CRYPTO = loadCrypto();

    /** A fresh hash, native when possible. */
    static Sha256 create() {
        return CRYPTO != null ? new OpenSsl(CRYPTO) : new Jdk();
    }

    /** Which implementation {@link #create()} gives: "libcrypto" or "jdk". */
    static String implementation() {
        return CRYPTO != null ? "libcrypto" : "jdk";
    }

    /** Adds the bytes between position and limit of a direct buffer (the position is not moved). */
    abstract void update(ByteBuffer direct);

    /** The hash as lowercase hex; the object is done with. */
    abstract String hex();

    @Override
    public void close() {
    }

    /** The few libcrypto (OpenSSL 1.1 / 3) functions needed. */
    interface LibCrypto extends Library {
        Pointer EVP_MD_CTX_new();

        void EVP_MD_CTX_free(Pointer context);

        Pointer EVP_sha256();

        int EVP_DigestInit_ex(Pointer context, Pointer type, Pointer engine);

        int EVP_DigestUpdate(Pointer context, Pointer data, long count);

        int EVP_DigestFinal_ex(Pointer context, byte[] digest, IntByReference size);
    }

    private static LibCrypto loadCrypto() {
        for (String name : new String[] {"crypto", "libcrypto.so.3", "libcrypto.so.1.1"}) {
            try {
                LibCrypto crypto = Native.load(name, LibCrypto.class);
                ByteBuffer abc = ByteBuffer.allocateDirect(3).put("abc".getBytes(StandardCharsets.US_ASCII)).flip();
                try (OpenSsl probe = new OpenSsl(crypto)) {
                    probe.update(abc);
                    if (ABC.equals(probe.hex())) {
                        return crypto;
                    }
                }
            } catch (Throwable e) {
                // not there, or not usable: try the next name, then the JDK
                log.debug("libcrypto {} not usable: {}", name, e.toString());
            }
        }
        log.info("OpenSSL's libcrypto is not available; downloads are checked with the JDK's SHA-256");
        return null;
    }

    private static final class OpenSsl extends Sha256 {
        private final LibCrypto crypto;
        private Pointer context;

        OpenSsl(LibCrypto crypto) {
            this.crypto = crypto;
            this.context = crypto.EVP_MD_CTX_new();
            if (context == null || crypto.EVP_DigestInit_ex(context, crypto.EVP_sha256(), null) != 1) {
                close();
                throw new IllegalStateException("EVP_DigestInit_ex failed");
            }
        }

        @Override
        void update(ByteBuffer direct) {
            if (!direct.isDirect()) {
                throw new IllegalArgumentException("a direct buffer is needed");
            }
            if (direct.remaining() > 0
                    && crypto.EVP_DigestUpdate(context, Native.getDirectBufferPointer(direct).share(direct.position()),
                    direct.remaining()) != 1) {
                throw new IllegalStateException("EVP_DigestUpdate failed");
            }
        }

        @Override
        String hex() {
            byte[] digest = new byte[32];
            IntByReference size = new IntByReference();
            if (crypto.EVP_DigestFinal_ex(context, digest, size) != 1 || size.getValue() != 32) {
                throw new IllegalStateException("EVP_DigestFinal_ex failed");
            }
            return HexFormat.of().formatHex(digest);
        }

        @Override
        public void close() {
            if (context != null) {
                crypto.EVP_MD_CTX_free(context);
                context = null;
            }
        }
    }

    private static final class Jdk extends Sha256 {
        private final MessageDigest digest;

        Jdk() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        void update(ByteBuffer direct) {
            digest.update(direct.duplicate());
        }

        @Override
        String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
