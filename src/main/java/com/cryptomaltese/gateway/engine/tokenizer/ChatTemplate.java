package com.cryptomaltese.gateway.engine.tokenizer;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template, rendered like transformers'
 * {@code apply_chat_template(messages, add_generation_prompt=..., tokenize=False)}.
 *
 * <p>The template sees what transformers passes: {@code messages} (maps with {@code role} and
 * {@code content}), the tokenizer's named special tokens ({@code bos_token}, {@code eos_token} …),
 * {@code add_generation_prompt}, {@code tools = documents = none}, and the globals {@code raise_exception}
 * and {@code strftime_now}. Whitespace follows Jinja's lexer (see {@link JinjaSource}); {@code tojson},
 * {@code trim}, {@code length} and string methods follow Python (see {@link PyJson}, {@link PyStrings}).
 * Instances are immutable and thread-safe.
 */
public final class ChatTemplate {

    /**
     * Bounds on a template's work, which the model's files decide: its output and strings (a string
     * doubled 40 times filled the heap), and its time (three nested loops of 1000 rendered for
     * minutes, holding the model). Real templates render in milliseconds into kilobytes.
     */
    static final long MAX_OUTPUT_CHARS = 4L << 20;
    static final Duration RENDER_LIMIT = Duration.ofSeconds(10);
    private static final ScheduledThreadPoolExecutor WATCH = watch();
    private static final Jinjava JINJAVA = createJinjava();

    private final String source;
    private final String jinjavaSource;
    private final Map<String, String> specialTokens;
    private final Clock clock;

    private ChatTemplate(String source, Map<String, String> specialTokens, Clock clock) {
        this.source = source;
        this.jinjavaSource = JinjaSource.toJinjava(source);
        this.specialTokens = Map.copyOf(specialTokens);
        this.clock = clock;
    }

    /** @param specialTokens named special tokens, e.g. {@code bos_token -> <s>} (see {@link TokenizerSettings#specialTokens()}) */
    public static ChatTemplate of(String template, Map<String, String> specialTokens) {
        return of(template, specialTokens, Clock.systemDefaultZone());
    }

    /** @param clock what {@code strftime_now} reads; transformers uses the machine's local time */
    public static ChatTemplate of(String template, Map<String, String> specialTokens, Clock clock) {
        return new ChatTemplate(template, specialTokens, clock);
    }

    /** The Jinja source as the model ships it. */
    public String source() {
        return source;
    }

    /**
     * Renders the conversation.
     *
     * @throws IllegalArgumentException if {@code messages} is empty (transformers refuses it too)
     * @throws ChatTemplateException    if the template calls {@code raise_exception} or cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, RENDER_LIMIT);
    }

    /** As {@link #render(List, boolean)}, stopped after {@code limit} (Jinjava checks for an interrupt at every node). */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt, Duration limit) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("Cannot apply chat template to an empty conversation");
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", asMaps(messages));
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("tools", null);
        context.put("documents", null);
        // a variable of the same name makes `strftime_now is defined` true, as in Jinja where it is a global
        context.put("strftime_now", "strftime_now");
        context.put("raise_exception", "raise_exception");
        context.put(TemplateGlobals.CLOCK_KEY, clock);
        RenderLimit stop = new RenderLimit(Thread.currentThread());
        ScheduledFuture<?> watch = WATCH.schedule(stop::fire, limit.toMillis(), TimeUnit.MILLISECONDS);
        RenderResult result;
        boolean stopped;
        try {
            result = JINJAVA.renderForResult(jinjavaSource, context);
        } finally {
            watch.cancel(false);
            stopped = stop.end();
        }
        if (stopped) {
            throw new ChatTemplateException("the chat template took longer than " + (limit.toSeconds() > 0
                    ? limit.toSeconds() + " s" : limit.toMillis() + " ms") + " to render", false);
        }
        failOnErrors(result);
        return result.getOutput();
    }

    /**
     * The interrupt that stops a render past its limit. Firing and ending exclude each other, so the
     * interrupt either lands inside the render (and is cleared when it ends) or never: a late one
     * would hit whatever the thread blocks on next (a decode, a lock, a file channel, which it closes).
     */
    private static final class RenderLimit {
        private final Thread renderer;
        private boolean ended;
        private boolean fired;

        RenderLimit(Thread renderer) {
            this.renderer = renderer;
        }

        synchronized void fire() {
            if (!ended) {
                fired = true;
                renderer.interrupt();
            }
        }

        /** Called by the renderer when done: whether the limit stopped it, its interrupt cleared. */
        synchronized boolean end() {
            ended = true;
            if (fired) {
                Thread.interrupted();
            }
            return fired;
        }
    }

    private static ScheduledThreadPoolExecutor watch() {
        ScheduledThreadPoolExecutor watch = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "chat-template-watch");
            thread.setDaemon(true);
            return thread;
        });
        // Every render schedules a stop it nearly always cancels: cancelled ones leave at once.
        watch.setRemoveOnCancelPolicy(true);
        return watch;
    }

    private static List<Map<String, Object>> asMaps(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>(); // key order shows in tojson output
            map.put("role", m.role());
            map.put("content", m.content());
            out.add(map);
        }
        return out;
    }

    /** Jinja stops at the first error; Jinjava records it and carries on, so any fatal error fails the render. */
    private static void failOnErrors(RenderResult result) {
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
                continue;
            }
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateGlobals.Raised raised) {
                    throw new ChatTemplateException(raised.getMessage(), true);
                }
            }
            throw new ChatTemplateException("Chat template failed at line " + error.getLineno() + ": "
                    + error.getMessage(), false);
        }
    }

    private static Jinjava createJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // whitespace is already resolved by JinjaSource
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withElResolver(resolver)
                // message text is data: never re-render "{{ … }}" or "{% … %}" found in values (template injection)
                .withNestedInterpretationEnabled(false)
                // every node checks for the render limit's interrupt (loops included)
                .withNodePreProcessor(new JinjavaNodePreProcessor())
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUsePyishObjectMapper(true)        // lists/dicts print like Python: ['a', 1]
                        .withIterateOverMapKeys(true)          // `for k in dict` yields keys
                        .withEvaluateMapKeys(true)             // {key: v} evaluates key, as Jinja does
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true) // `{{ -1 }}` is minus one, not whitespace control
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                TemplateGlobals.class, "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                TemplateGlobals.class, "strftimeNow", String.class));
        PythonFilters.register(jinjava.getGlobalContext());
        return jinjava;
    }
}
