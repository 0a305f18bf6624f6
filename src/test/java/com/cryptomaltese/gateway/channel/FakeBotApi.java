package com.cryptomaltese.gateway.channel;

import com.cryptomaltese.gateway.StoriesModel;

import java.io.IOException;
import java.nio.file.Path;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Telegram Bot API server on loopback speaking the real JSON: getUpdates with offsets (an offset
 * confirms the updates below it for good) and a short long-poll, sendMessage, sendChatAction, getMe, and on demand 429 answers with
 * {@code parameters.retry_after} or 5xx answers. Every call is recorded in arrival order, and
 * every getUpdates with its offset and the update ids it delivered.
 */
final class FakeBotApi implements AutoCloseable {

    static final String TOKEN = "123456:TEST-fake-token-never-real";
    static final String BOT_USERNAME = "maltese_bot";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One Bot API call as received, at {@code nanos} (System.nanoTime). */
    record Call(String method, JsonNode params, long nanos) {
        Call(String method, JsonNode params) {
            this(method, params, System.nanoTime());
        }
    }

    /** One getUpdates: the offset asked for and the update ids answered. */
    record Poll(long offset, List<Long> updateIds) {
    }

    private final HttpServer server;
    private final List<ObjectNode> updates = new CopyOnWriteArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<Long> offsets = new CopyOnWriteArrayList<>();
    private final AtomicLong confirmedBelow = new AtomicLong();
    private final List<Poll> polls = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> sendMessagePasses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sendMessageFailures = new ConcurrentHashMap<>();
    private final AtomicLong nextUpdateId = new AtomicLong(5000);
    /** Whether the numbering started again (see {@link #renumberFrom}). */
    private volatile boolean renumbered;
    private final AtomicLong nextMessageId = new AtomicLong(100);
    private final AtomicInteger getUpdates429 = new AtomicInteger();
    private final AtomicInteger sendMessage429 = new AtomicInteger();
    private final Map<String, Long> migratedChats = new ConcurrentHashMap<>();

    FakeBotApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    /** A fake Bot API, with the TinyStories model linked into {@code dataDir} for the gateway to answer with. */
    static FakeBotApi withStoriesIn(Path dataDir) {
        StoriesModel.linkInto(dataDir);
        try {
            return new FakeBotApi();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues a text message from a user (a photo when text is null); returns its message_id. */
    long userWrites(long userId, String chatType, long chatId, String text, ArrayNode entities) {
        ObjectNode message = message(userId, chatType, chatId, text, entities);
        enqueue(message);
        return message.path("message_id").asLong();
    }

    /** Queues a group message from a user that replies (without mention) to a message of {@code author}. */
    long userRepliesTo(long userId, long chatId, String text, long repliedMessageId, String author, boolean authorIsBot) {
        ObjectNode message = message(userId, "supergroup", chatId, text, null);
        ObjectNode original = message.putObject("reply_to_message").put("message_id", repliedMessageId)
                .put("date", 1735689500).put("text", "an earlier message");
        original.putObject("from").put("id", authorIsBot ? 123456 : 4242).put("is_bot", authorIsBot)
                .put("first_name", author).put("username", author);
        original.set("chat", message.path("chat").deepCopy());
        enqueue(message);
        return message.path("message_id").asLong();
    }

    private ObjectNode message(long userId, String chatType, long chatId, String text, ArrayNode entities) {
        ObjectNode message = JSON.createObjectNode().put("message_id", nextMessageId.incrementAndGet())
                .put("date", 1735689600);
        message.putObject("from").put("id", userId).put("is_bot", false).put("first_name", "User" + userId);
        ObjectNode chat = message.putObject("chat").put("id", chatId).put("type", chatType);
        if (!"private".equals(chatType)) {
            chat.put("title", "A group");
        }
        if (text != null) {
            message.put("text", text);
        } else {
            message.putArray("photo").addObject().put("file_id", "AgAD").put("file_unique_id", "u").put("width", 1)
                    .put("height", 1);
        }
        if (entities != null) {
            message.set("entities", entities);
        }
        return message;
    }

    private synchronized void enqueue(ObjectNode message) {
        ObjectNode update = JSON.createObjectNode().put("update_id", nextUpdateId.incrementAndGet());
        update.set("message", message);
        updates.add(update);
    }

    /** The update id of the message, once queued. */
    long updateIdOf(long messageId) {
        return updates.stream().filter(u -> u.path("message").path("message_id").asLong() == messageId)
                .mapToLong(u -> u.path("update_id").asLong()).findFirst().orElseThrow();
    }

    long privateMessage(long userId, String text) {
        return userWrites(userId, "private", userId, text, null);
    }

    /** A private message whose update appears twice in the same getUpdates answer (a resend). */
    synchronized long privateMessageSentTwice(long userId, String text) {
        long messageId = privateMessage(userId, text);
        updates.add(updates.get(updates.size() - 1).deepCopy());
        return messageId;
    }

    /**
     * Numbering starts again at {@code nextUpdateId}, as Telegram's does after a week without updates
     * (at a random id, lower than the last one here). An offset above every id of the new numbering
     * is the bot's from before and confirms nothing of it.
     */
    synchronized void renumberFrom(long nextUpdateId) {
        this.nextUpdateId.set(nextUpdateId - 1);
        renumbered = true;
        confirmedBelow.set(0);
        updates.clear();
    }

    static ArrayNode mentionAt(int offset, int length) {
        ArrayNode entities = JSON.createArrayNode();
        entities.addObject().put("type", "mention").put("offset", offset).put("length", length);
        return entities;
    }

    void answerGetUpdatesWith429(int times) {
        getUpdates429.set(times);
    }

    void answerSendMessageWith429(int times) {
        sendMessage429.set(times);
    }

    /** The next {@code times} sendMessage calls to this chat are answered 502 Bad Gateway. */
    void failSendMessageTo(String chatId, int times) {
        failSendMessageTo(chatId, 0, times);
    }

    /** After {@code passFirst} more messages to this chat go through, the next {@code times} are answered 502. */
    void failSendMessageTo(String chatId, int passFirst, int times) {
        sendMessagePasses.put(chatId, new AtomicInteger(passFirst));
        sendMessageFailures.put(chatId, new AtomicInteger(times));
    }

    /** The group became a supergroup: messages to its old id are refused with the new one, as Telegram does. */
    void upgradeToSupergroup(long groupId, long supergroupId) {
        migratedChats.put(String.valueOf(groupId), supergroupId);
    }

    /** The texts sent to a chat, in order. */
    List<String> sentTo(long chatId) {
        return calls.stream().filter(c -> c.method().equals("sendMessage"))
                .filter(c -> c.params().path("chat_id").asText().equals(String.valueOf(chatId)))
                .map(c -> c.params().path("text").asText()).toList();
    }

    List<Poll> polls() {
        return new ArrayList<>(polls);
    }

    List<Call> calls() {
        return new ArrayList<>(calls);
    }

    List<Long> offsets() {
        return new ArrayList<>(offsets);
    }

    /** The sendMessage calls that reply to one message, in order. */
    List<String> repliesTo(long messageId) {
        return calls.stream().filter(c -> c.method().equals("sendMessage"))
                .filter(c -> c.params().path("reply_to_message_id").asLong() == messageId)
                .map(c -> c.params().path("text").asText()).toList();
    }

    private void handle(HttpExchange http) throws IOException {
        try (http) {
            String path = http.getRequestURI().getPath();
            String prefix = "/bot" + TOKEN + "/";
            if (!path.startsWith(prefix)) {
                respond(http, 401, error(401, "Unauthorized", null));
                return;
            }
            String method = path.substring(prefix.length());
            JsonNode params = params(http);
            switch (method) {
                case "getUpdates" -> getUpdates(http, params);
                case "getMe" -> respond(http, 200, ok(JSON.createObjectNode().put("id", 999).put("is_bot", true)
                        .put("first_name", "Maltese").put("username", BOT_USERNAME)));
                case "sendChatAction" -> {
                    calls.add(new Call(method, params));
                    respond(http, 200, ok(JSON.getNodeFactory().booleanNode(true)));
                }
                case "sendMessage" -> {
                    if (sendMessage429.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        calls.add(new Call("sendMessage-429", params));
                        respond(http, 429, error(429, "Too Many Requests: retry after 1", 1));
                        return;
                    }
                    String chat = params.path("chat_id").asText();
                    Long supergroup = migratedChats.get(chat);
                    if (supergroup != null) {
                        calls.add(new Call("sendMessage-migrated", params));
                        ObjectNode refusal = error(400, "Bad Request: group chat was upgraded to a supergroup chat", null);
                        refusal.putObject("parameters").put("migrate_to_chat_id", supergroup);
                        respond(http, 400, refusal);
                        return;
                    }
                    AtomicInteger passes = sendMessagePasses.getOrDefault(chat, new AtomicInteger());
                    AtomicInteger failures = sendMessageFailures.get(chat);
                    if (passes.getAndUpdate(n -> Math.max(0, n - 1)) == 0 && failures != null
                            && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        calls.add(new Call("sendMessage-502", params));
                        respond(http, 502, error(502, "Bad Gateway", null));
                        return;
                    }
                    calls.add(new Call(method, params));
                    ObjectNode sent = JSON.createObjectNode().put("message_id", nextMessageId.incrementAndGet())
                            .put("date", 1735689601).put("text", params.path("text").asText());
                    sent.putObject("chat").put("id", params.path("chat_id").asLong()).put("type", "private");
                    respond(http, 200, ok(sent));
                }
                default -> respond(http, 404, error(404, "Not Found: method not found", null));
            }
        }
    }

    private void getUpdates(HttpExchange http, JsonNode params) throws IOException {
        long offset = confirm(params.path("offset").asLong(0));
        if (getUpdates429.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            calls.add(new Call("getUpdates-429", params));
            respond(http, 429, error(429, "Too Many Requests: retry after 1", 1));
            return;
        }
        calls.add(new Call("getUpdates", params));
        // A short long-poll: wait up to 300 ms for something to deliver.
        long until = System.nanoTime() + 300_000_000L;
        List<ObjectNode> pending = pending(offset);
        while (pending.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pending = pending(offset);
        }
        ArrayNode result = JSON.createArrayNode();
        pending.stream().limit(100).forEach(result::add);
        polls.add(new Poll(offset, pending.stream().limit(100).map(u -> u.path("update_id").asLong()).toList()));
        respond(http, 200, ok(result));
    }

    /**
     * Records the offset a getUpdates asked with and returns the one it is answered from. As Telegram
     * does, an offset confirms every update below it, which no later getUpdates returns. One at a
     * time with {@link #renumberFrom}, so no poll confirms across a renumbering.
     */
    private synchronized long confirm(long offset) {
        offsets.add(offset);
        if (renumbered && offset > nextUpdateId.get() + 1) {
            // From before the numbering started again.
            offset = 0;
        }
        return Math.max(offset, confirmedBelow.accumulateAndGet(offset, Math::max));
    }

    private List<ObjectNode> pending(long offset) {
        return updates.stream().filter(u -> u.path("update_id").asLong() >= offset).toList();
    }

    private static JsonNode params(HttpExchange http) throws IOException {
        ObjectNode params = JSON.createObjectNode();
        String query = http.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(kv[0], kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        try (InputStream in = http.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (body.length > 0) {
                JsonNode json = JSON.readTree(body);
                json.fields().forEachRemaining(e -> params.set(e.getKey(), e.getValue()));
            }
        }
        return params;
    }

    private static ObjectNode ok(JsonNode result) {
        ObjectNode node = JSON.createObjectNode().put("ok", true);
        node.set("result", result);
        return node;
    }

    private static ObjectNode error(int code, String description, Integer retryAfter) {
        ObjectNode node = JSON.createObjectNode().put("ok", false).put("error_code", code).put("description", description);
        if (retryAfter != null) {
            node.putObject("parameters").put("retry_after", retryAfter);
        }
        return node;
    }

    private static void respond(HttpExchange http, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", "application/json");
        http.sendResponseHeaders(status, bytes.length);
        http.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
