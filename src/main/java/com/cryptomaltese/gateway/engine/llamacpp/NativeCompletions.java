package com.cryptomaltese.gateway.engine.llamacpp;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;

/**
 * The binding's completion task calls, used directly. Its public API accepts prompts only as text,
 * which llama.cpp tokenizes adding its own BOS; a chat template that already renders the BOS would
 * then get two. The native calls take the request JSON as it is, so the prompt goes in as the
 * token ids we tokenized, exactly as transformers would feed them. They are package-private in
 * de.kherud:llama 4.2.0 (the version the pom pins), hence reflection.
 */
final class NativeCompletions {

    private static final Method REQUEST = method("requestCompletion", String.class);
    private static final Method RECEIVE = method("receiveCompletion", int.class);
    private static final Method CANCEL = method("cancelCompletion", int.class);
    private static final Field STOP = stopField();

    /** One streamed result: the text of one generated token (more when a UTF-8 character spans tokens). */
    record Piece(String text, boolean last) {
    }

    private NativeCompletions() {
    }

    /** Queues a completion task; its pieces are read with {@link #receive}. */
    static int request(LlamaModel model, String json) {
        return (int) invoke(REQUEST, model, json);
    }

    /** Blocks until the task's next piece; the last one carries no text in streaming mode. */
    static Piece receive(LlamaModel model, int task) {
        LlamaOutput output = (LlamaOutput) invoke(RECEIVE, model, task);
        try {
            return new Piece(output.text, STOP.getBoolean(output));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops a task and drops its queued results. */
    static void cancel(LlamaModel model, int task) {
        invoke(CANCEL, model, task);
    }

    private static Object invoke(Method method, LlamaModel model, Object argument) {
        try {
            return method.invoke(model, argument);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Method method(String name, Class<?> parameter) {
        try {
            Method m = LlamaModel.class.getDeclaredMethod(name, parameter);
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError("de.kherud:llama without LlamaModel." + name + ": not version 4.2.0?");
        }
    }

    private static Field stopField() {
        try {
            Field f = LlamaOutput.class.getDeclaredField("stop");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("de.kherud:llama without LlamaOutput.stop: not version 4.2.0?");
        }
    }
}
