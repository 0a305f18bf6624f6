package com.cryptomaltese.gateway.channel;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.model.ModelService;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.annotation.PreDestroy;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What routes/telegram.yaml does with an update, step by step: {@link #classify} decides (ignore,
 * a fixed reply, reset, chat, or resend a reply still owed), {@link #chatRequest} and
 * {@link #answer} convert to and from the chat route, {@link #failure} turns a failure into a
 * friendly line, {@link #send} delivers the reply in parts, and {@link #startTyping}/{@link
 * #stopTyping} keep "typing…" visible meanwhile.
 */
@Component("telegramBot")
public class TelegramBot {

    static final String TURN = "telegramTurn";
    static final String ACTION = "telegramAction";
    static final String USER = "telegramUserId";
    static final String CHAT = "telegramChatId";
    private static final String TYPING = "telegramTyping";
    private static final Logger log = LoggerFactory.getLogger(TelegramBot.class);

    static final String START = "Hello! I am Maltese, an AI chat bot: a language model running on this gateway "
            + "answers your messages and remembers our conversation. Just write to me. /help lists the commands.";
    static final String HELP = """
            Write a message and I will answer it.
            /reset – forget our conversation and start afresh
            /model – which model is answering
            /help – this text""";
    static final String RESET = "Done: I have forgotten our conversation.";
    static final String UNKNOWN_COMMAND = "I do not know that command. /help lists the ones I understand.";
    static final String NON_TEXT = "Sorry, I can only read text messages.";
    static final String NOT_ALLOWED = "Sorry, this bot is private and you are not on its list of users.";
    static final String SLOW_DOWN = "You are writing faster than I can answer: please slow down and try again in a minute.";
    static final String NO_MODEL = "No model is loaded at the moment, so I cannot answer. Please try again later.";
    /** A model is being loaded or unloaded (a 503 with Retry-After): it is a matter of moments. */
    static final String LOADING = "The model is being loaded or changed right now. Please ask again in a minute.";
    static final String TOO_SLOW = "That took me too long to answer. Please try a shorter question, or again later.";
    static final String BAD_INPUT = "I could not use that message (it may be too long). Please try a shorter one.";
    static final String BROKEN = "Something went wrong on my side. Please try again later.";
    /** Users remembered as refused or warned at most; past it that knowledge is dropped (the cost: one more notice). */
    private static final int REMEMBERED_USERS = 10_000;

    private final TelegramSettings settings;
    private final TelegramBotApi api;
    private final ModelService models;
    private final RateLimiter rateLimiter;
    private final Set<Long> allowedUsers;
    private final Set<String> refusedUsers = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> slowDownSentAt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService typing = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "telegram-typing");
        t.setDaemon(true);
        return t;
    });
    /**
     * The reply whose delivery failed, kept until Telegram hands its update over again: resending
     * the rest of it, rather than classifying and generating anew, answers once, adds one turn to
     * the conversation and counts once against the rate limit. One consumer handles updates in
     * order and stops at the first undelivered one, so one slot is enough.
     */
    private final AtomicReference<PendingReply> pending = new AtomicReference<>();
    private volatile String botUsername;

    /** The parts of one reply, of which the first {@code delivered} reached Telegram. */
    private record PendingReply(long updateId, List<String> parts, int delivered) {
    }

    TelegramBot(TelegramSettings settings, TelegramBotApi api, ModelService models) {
        this.settings = settings;
        this.api = api;
        this.models = models;
        this.rateLimiter = new RateLimiter(settings.rateLimit(), settings.rateWindow(), Clock.systemUTC());
        this.allowedUsers = Set.copyOf(settings.allowedUsers());
        this.botUsername = settings.botUsername() == null || settings.botUsername().isBlank()
                ? null : settings.botUsername().replaceFirst("^@", "");
    }

    /**
     * Decides what to do with an update; sets the {@code telegramAction} header to {@code ignore},
     * {@code reply} (the body is the text to send), {@code reset}, {@code chat} or {@code resend}
     * (the update comes again after its reply could not be delivered: {@link #send} finishes it).
     */
    public Object classify(TelegramUpdate update, Exchange exchange) {
        TelegramTurn turn = TelegramUpdates.read(update, this::botUsername);
        exchange.setProperty(TURN, turn);
        exchange.getMessage().setHeader(USER, turn.userId());
        exchange.getMessage().setHeader(CHAT, turn.chatId());
        PendingReply owed = pending.get();
        if (owed != null && owed.updateId() == update.updateId()) {
            log.info("Telegram update {}: sending the rest of its reply ({} of {} parts delivered)",
                    update.updateId(), owed.delivered(), owed.parts().size());
            return action(exchange, "resend", null);
        }
        if (owed != null) {
            // Telegram moved on without it (an update is kept 24 hours): the reply is no longer owed.
            log.warn("Telegram update {} was not delivered again; its reply is dropped", owed.updateId());
            pending.compareAndSet(owed, null);
        }
        if (turn.action() == TelegramTurn.Action.IGNORE) {
            return action(exchange, "ignore", null);
        }
        if (!allowedUsers.isEmpty() && !allowedUsers.contains(Long.valueOf(turn.userId()))) {
            if (refusedUsers.size() >= REMEMBERED_USERS) {
                refusedUsers.clear(); // bounded: at worst a user is told once more
            }
            boolean first = refusedUsers.add(turn.userId());
            log.info("Telegram user {} is not on gateway.telegram.allowed-users{}", turn.userId(),
                    first ? ": refused" : ": ignored (already refused)");
            return first ? action(exchange, "reply", NOT_ALLOWED) : action(exchange, "ignore", null);
        }
        if (!rateLimiter.tryAcquire(turn.userId())) {
            long now = System.nanoTime();
            Long warned = slowDownSentAt.get(turn.userId());
            boolean warnAgain = warned == null || now - warned > settings.rateWindow().toNanos();
            log.info("Telegram user {} is over the rate limit of {} per {}", turn.userId(), settings.rateLimit(),
                    settings.rateWindow());
            if (warnAgain) {
                if (slowDownSentAt.size() >= REMEMBERED_USERS) {
                    slowDownSentAt.values().removeIf(sent -> now - sent > settings.rateWindow().toNanos());
                }
                slowDownSentAt.put(turn.userId(), now);
                return action(exchange, "reply", SLOW_DOWN);
            }
            return action(exchange, "ignore", null);
        }
        return switch (turn.action()) {
            case NON_TEXT -> action(exchange, "reply", NON_TEXT);
            case CHAT -> action(exchange, "chat", turn);
            case COMMAND -> switch (turn.command()) {
                case "start" -> action(exchange, "reply", START);
                case "help" -> action(exchange, "reply", HELP);
                case "reset" -> action(exchange, "reset", turn);
                case "model" -> action(exchange, "reply", modelLine());
                default -> action(exchange, "reply", UNKNOWN_COMMAND);
            };
            case IGNORE -> action(exchange, "ignore", null);
        };
    }

    private static Object action(Exchange exchange, String action, Object body) {
        exchange.getMessage().setHeader(ACTION, action);
        return body;
    }

    private String modelLine() {
        return models.current().map(m -> "Answers come from " + m.id() + ".")
                .orElse("No model is loaded right now, so I cannot answer yet.");
    }

    public ChatRequest chatRequest(@ExchangeProperty(TURN) TelegramTurn turn) {
        return ChatRequest.fromChannel(ChatRequest.TELEGRAM, turn.userId(), turn.chatId(), turn.text());
    }

    public String answer(ChatResponse response) {
        return response.response() == null || response.response().isBlank() ? "…" : response.response();
    }

    public String resetDone() {
        return RESET;
    }

    /** A short line for the user instead of the failure; the failure itself goes to the log. */
    public String failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e) {
        if (e instanceof ApiException api) {
            log.info("Telegram chat answered {}: {}", api.status(), api.getMessage());
            return switch (api.status()) {
                case 503 -> api.retryAfter() != null ? LOADING : NO_MODEL;
                case 504 -> TOO_SLOW;
                case 400, 413 -> BAD_INPUT;
                default -> BROKEN;
            };
        }
        log.warn("Telegram chat failed: {}", e == null ? "unknown" : e.toString());
        return BROKEN;
    }

    /**
     * Sends the body as replies to the user's message, split on natural boundaries, in order; or,
     * for {@code resend}, the parts of the pending reply not delivered yet. When Telegram cannot
     * take a part for a while (429, 5xx or no answer, after the API client's retries) the rest is
     * kept and the failure goes on to the route, so the update is not confirmed and comes again.
     */
    public void send(String text, @ExchangeProperty(TURN) TelegramTurn turn) {
        PendingReply owed = pending.getAndSet(null);
        PendingReply reply = owed != null && owed.updateId() == turn.updateId() ? owed
                : new PendingReply(turn.updateId(), ReplySplitter.split(text, settings.maxMessageChars()), 0);
        String chatId = turn.chatId();
        Long replyTo = turn.messageId();
        for (int i = reply.delivered(); i < reply.parts().size(); i++) {
            try {
                JsonNode sent = api.sendMessage(chatId, reply.parts().get(i), replyTo);
                String sentTo = sent.path("chat").path("id").asText(chatId);
                if (!sentTo.equals(chatId)) {
                    // The group became a supergroup: the rest goes there too, on its own.
                    chatId = sentTo;
                    replyTo = null;
                }
            } catch (TelegramApiException e) {
                if (e.transientFailure()) {
                    pending.set(new PendingReply(reply.updateId(), reply.parts(), i));
                }
                throw e;
            }
        }
        log.debug("Telegram reply to chat {} in {} part(s)", chatId, reply.parts().size());
    }

    /** Shows "typing…" now and every typing-interval until {@link #stopTyping}. */
    public void startTyping(@ExchangeProperty(TURN) TelegramTurn turn, Exchange exchange) {
        long every = Math.max(500, settings.typingInterval().toMillis());
        ScheduledFuture<?> task = typing.scheduleAtFixedRate(() -> {
            try {
                api.sendChatAction(turn.chatId(), "typing");
            } catch (RuntimeException e) {
                log.debug("typing indication not sent: {}", e.getMessage());
            }
        }, 0, every, TimeUnit.MILLISECONDS);
        exchange.setProperty(TYPING, task);
    }

    public void stopTyping(Exchange exchange) {
        ScheduledFuture<?> task = exchange.getProperty(TYPING, ScheduledFuture.class);
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * The bot's @username for group mentions and replies: configured, or asked once from getMe.
     * While Telegram cannot answer, the failure goes on, so the group message waits for a later poll.
     */
    String botUsername() {
        String name = botUsername;
        if (name == null) {
            try {
                name = api.getMe().path("username").asText(null);
                botUsername = name;
            } catch (TelegramApiException e) {
                if (e.transientFailure()) {
                    throw e;
                }
                log.warn("cannot learn the bot's username: {}", e.getMessage());
            }
        }
        return name;
    }

    @PreDestroy
    void shutdown() {
        typing.shutdownNow();
    }

}
