package com.cryptomaltese.gateway.engine.weights;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees direct buffers when the code that made them is done with them, instead of when the garbage
 * collector finds them: model-sized buffers would otherwise hold their memory for as long as the
 * heap sees little garbage.
 */
public final class DirectBuffers {

    private static final Logger log = LoggerFactory.getLogger(DirectBuffers.class);
    /** {@code sun.misc.Unsafe.invokeCleaner}: the supported way to free a direct buffer now (JDK 9+). */
    private static final MethodHandle FREE = freer();

    private DirectBuffers() {
    }

    /**
     * Frees {@code buffer} (one made by {@code allocateDirect}, not a slice or view of one). Nothing
     * may read it afterwards. Where the JVM does not allow it, the garbage collector frees it later.
     */
    public static void free(ByteBuffer buffer) {
        if (FREE == null || buffer == null || !buffer.isDirect()) {
            return;
        }
        try {
            FREE.invokeExact(buffer);
        } catch (Throwable e) {
            log.warn("Could not free a direct buffer; the garbage collector will: {}", e.toString());
        }
    }

    private static MethodHandle freer() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Direct buffers cannot be freed at once on this JVM ({}); unloaded weights go at the next "
                    + "garbage collection", e.toString());
            return null;
        }
    }
}
