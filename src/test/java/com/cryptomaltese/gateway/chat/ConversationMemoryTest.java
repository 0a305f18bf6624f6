package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.ForwardingLanguageModel;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.cryptomaltese.gateway.engine.tokenizer.PromptBuilder;
import com.cryptomaltese.gateway.engine.tokenizer.TokenizerSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Conversation memory through /api/v1/chat on the real DJL engine with the fixture ChatML model.
 * The engine is wrapped to record the messages each generation received, and the prompt is
 * rendered from them with the model's own template, to assert what the model saw.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + ConversationMemoryTest.DATA,
        "gateway.security.api-keys=" + TestApi.USER_KEY, "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.conversations.purge-cron=* * * * * ?", "gateway.conversations.retention=30d"})
class ConversationMemoryTest {

    static final String DATA = "target/test-data/conversations";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String PARAMS = "\"parameters\": {\"do_sample\": false, \"max_length\": 8}";

    @LocalServerPort
    int port;
    @Autowired
    RecordingEngine engine;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CamelContext camel;
    TestApi api;

    @BeforeAll
    static void modelOnDisk() {
        TestData.linkHubModel(DATA_DIR, FIXTURE, "fixtures", "chatml");
    }

    @BeforeEach
    void loaded() {
        api = new TestApi(port);
        assertThat(api.post("/api/v1/models/fixtures%2Fchatml/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
    }

    @Test
    void theSecondMessageSeesTheFirstAndItsReply() throws IOException {
        Reply first = chat("{\"message\": \"My dog is called Rex.\", \"user_id\": \"alice\", \"channel\": \"api\", " + PARAMS + "}");
        String firstReply = first.json().get("response").asText();
        chat("{\"message\": \"What is my dog called?\", \"user_id\": \"alice\", \"channel\": \"api\", " + PARAMS + "}");

        List<ChatMessage> seen = engine.lastMessages();
        assertThat(seen).containsExactly(ChatMessage.user("My dog is called Rex."),
                new ChatMessage("assistant", firstReply), ChatMessage.user("What is my dog called?"));
        String rendered = PromptBuilder.forModel(TokenizerSettings.load(FIXTURE)).build(seen).text();
        assertThat(rendered).isEqualTo("<|im_start|>user\nMy dog is called Rex.<|im_end|>\n<|im_start|>assistant\n"
                + firstReply + "<|im_end|>\n<|im_start|>user\nWhat is my dog called?<|im_end|>\n"
                + "<|im_start|>assistant\n");

        // Another user, and a message without a conversation, see nothing of alice's.
        chat("{\"message\": \"Hello\", \"user_id\": \"bob\", \"channel\": \"api\", " + PARAMS + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("Hello"));
        chat("{\"message\": \"Hello\", " + PARAMS + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("Hello"));
    }

    @Test
    void resetForgetsAndConversationIdsWorkToo() {
        chat("{\"message\": \"one\", \"conversation_id\": \"c-42\", " + PARAMS + "}");
        chat("{\"message\": \"two\", \"conversation_id\": \"c-42\", " + PARAMS + "}");
        assertThat(engine.lastMessages()).hasSize(3);
        chat("{\"message\": \"three\", \"conversation_id\": \"c-42\", \"reset\": true, " + PARAMS + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("three"));
    }

    @Test
    void aConversationIdleLongerThanTheTimeoutStartsAfresh() {
        insert("api", "carol", "user", "an old question", Instant.now().minus(Duration.ofHours(4)));
        insert("api", "carol", "assistant", "an old answer", Instant.now().minus(Duration.ofHours(4)));
        chat("{\"message\": \"new\", \"user_id\": \"carol\", \"channel\": \"api\", " + PARAMS + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("new"));
    }

    @Test
    void exportShowsEverythingAndErasureRemovesIt() throws IOException {
        chat("{\"message\": \"secret plans\", \"user_id\": \"dave@example.com\", \"channel\": \"web\", " + PARAMS + "}");
        Reply export = api.get("/api/v1/users/web/dave%40example.com", TestApi.ADMIN_KEY);
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        JsonNode body = export.json();
        assertThat(body.get("user_id").asText()).isEqualTo("dave@example.com");
        assertThat(body.get("messages").findValuesAsText("role")).containsExactly("user", "assistant");
        assertThat(body.at("/messages/0/content").asText()).isEqualTo("secret plans");
        assertThat(body.at("/messages/0/created_at").asText()).endsWith("Z");

        Reply erased = api.send(api.request("/api/v1/users/web/dave%40example.com", TestApi.ADMIN_KEY).DELETE());
        assertThat(erased.status()).isEqualTo(200);
        assertThat(erased.json().get("messages_deleted").asInt()).isEqualTo(2);
        assertThat(api.get("/api/v1/users/web/dave%40example.com", TestApi.ADMIN_KEY).json().get("messages")).isEmpty();
        assertThat(api.get("/api/v1/users/web/dave%40example.com", TestApi.USER_KEY).status()).isEqualTo(403);

        // The logs outlive the erasure: neither the access lines nor the audit's refusal name the user.
        Path logs = DATA_DIR.resolve("logs");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(logs.resolve("access.log")))
                .contains("DELETE /api/v1/users/web/* 200").contains("GET /api/v1/users/web/* 403"));
        assertThat(Files.readString(logs.resolve("audit.log"))).contains("GET /api/v1/users/web/* refused 403");
        for (String log : List.of("access.log", "audit.log", "info.log", "warn.log")) {
            Path file = logs.resolve(log);
            if (Files.exists(file)) {
                assertThat(Files.readString(file)).as(log).doesNotContain("dave");
            }
        }
    }

    /** A chat still generating when its user is erased stores nothing afterwards: the erasure wins. */
    @Test
    void anErasureWinsOverAChatThatWasRunning() throws Exception {
        chat("{\"message\": \"first\", \"user_id\": \"racer\", \"channel\": \"api\", " + PARAMS + "}");
        engine.entered = new CountDownLatch(1);
        engine.proceed = new CountDownLatch(1);
        CompletableFuture<Reply> running = CompletableFuture.supplyAsync(() -> api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"second\", \"user_id\": \"racer\", \"channel\": \"api\", " + PARAMS + "}"));
        try {
            assertThat(engine.entered.await(30, TimeUnit.SECONDS)).isTrue();
            Reply erased = api.send(api.request("/api/v1/users/api/racer", TestApi.ADMIN_KEY).DELETE());
            assertThat(erased.json().get("messages_deleted").asInt()).isEqualTo(2);
        } finally {
            engine.proceed.countDown();
            engine.proceed = null;
        }
        Reply answered = running.get(60, TimeUnit.SECONDS);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(count("racer")).isZero();
        // The user's next chat is stored as usual.
        chat("{\"message\": \"third\", \"user_id\": \"racer\", \"channel\": \"api\", " + PARAMS + "}");
        assertThat(count("racer")).isEqualTo(2);
    }

    /** A reset asked for by a chat that is refused (here: a message too long for the model) forgets nothing. */
    @Test
    void aRefusedChatDoesNotCarryOutItsReset() {
        chat("{\"message\": \"keep me\", \"user_id\": \"grace\", \"channel\": \"api\", " + PARAMS + "}");
        Reply refused = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + "word ".repeat(600)
                + "\", \"user_id\": \"grace\", \"channel\": \"api\", \"reset\": true, " + PARAMS + "}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().get("message").asText()).contains("is too long for model");
        assertThat(count("grace")).isEqualTo(2);
        chat("{\"message\": \"now forget\", \"user_id\": \"grace\", \"channel\": \"api\", \"reset\": true, " + PARAMS + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("now forget"));
        assertThat(count("grace")).isEqualTo(2);
    }

    @Test
    void aUsersConversationsAreKeptApartAndErasedTogether() {
        String frank = "\"user_id\": \"frank\", \"channel\": \"web\", " + PARAMS;
        String privateReply = chat("{\"message\": \"in private\", " + frank + "}").json().get("response").asText();
        chat("{\"message\": \"in the group\", \"conversation_id\": \"-100777\", " + frank + "}");
        assertThat(engine.lastMessages()).containsExactly(ChatMessage.user("in the group"));
        chat("{\"message\": \"again in private\", " + frank + "}");
        assertThat(engine.lastMessages()).extracting(ChatMessage::content)
                .containsExactly("in private", privateReply, "again in private");

        chat("{\"message\": \"fresh start\", \"conversation_id\": \"-100777\", \"reset\": true, " + frank + "}");
        chat("{\"message\": \"still private\", " + frank + "}");
        // The fixture's short context keeps only the latest exchanges: all of them private ones.
        assertThat(engine.lastMessages()).extracting(ChatMessage::content)
                .contains("again in private").doesNotContain("in the group", "fresh start").endsWith("still private");

        JsonNode export = api.get("/api/v1/users/web/frank", TestApi.ADMIN_KEY).json();
        assertThat(export.get("messages").findValuesAsText("content")).contains("in private", "fresh start")
                .doesNotContain("in the group");
        assertThat(export.get("messages").findValues("conversation_id")).extracting(JsonNode::asText)
                .containsOnly("null", "-100777");
        Reply erased = api.send(api.request("/api/v1/users/web/frank", TestApi.ADMIN_KEY).DELETE());
        assertThat(erased.json().get("messages_deleted").asInt()).isEqualTo(8);
        assertThat(count("frank")).isZero();
    }

    @Test
    void theRetentionJobPurgesOldMessagesOnly() {
        assertThat(camel.getRouteController().getRouteStatus("purge-conversations-daily")).isEqualTo(ServiceStatus.Started);
        insert("api", "erin", "user", "from long ago", Instant.now().minus(Duration.ofDays(40)));
        insert("api", "erin", "user", "from yesterday", Instant.now().minus(Duration.ofDays(1)));
        await().atMost(Duration.ofSeconds(15)).until(() -> count("erin") == 1);
        assertThat(jdbc.sql("SELECT content FROM conversation_message WHERE user_id = 'erin'").query(String.class)
                .single()).isEqualTo("from yesterday");
    }

    @Test
    void conversationFieldsAreValidated() {
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"x\", \"user_id\": \"a\"}"), "channel");
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"x\", \"channel\": \"api\"}"), "user_id");
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"x\", \"conversation_id\": \"\", \"user_id\": \"a\", \"channel\": \"api\"}"), "conversation_id");
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"x\", \"reset\": true}"), "reset");
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"x\", \"user_id\": \"a\", \"channel\": \"Not OK\"}"), "channel");
        // An unpaired surrogate (valid JSON, \\udc00) makes an id no URL can name: nothing stored under it
        // could be exported or erased.
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"x\", \"user_id\": \"a\\udc00\", \"channel\": \"api\"}"), "user_id");
        assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"x\", \"conversation_id\": \"c\\ud800\"}"), "conversation_id");
        // Ids a URL path cannot carry: nothing stored under them could be exported or erased.
        for (String id : List.of(".", "..", "a\\\\b")) {
            assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"x\", \"user_id\": \"" + id + "\", \"channel\": \"api\"}"), "user_id");
            assertField(api.post("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"x\", \"conversation_id\": \"" + id + "\"}"), "conversation_id");
        }
        // A pair is one character (here an emoji) and passes the check.
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"x\", \"conversation_id\": \"c\\ud83d\\ude00\"}").status()).isNotEqualTo(400);
    }

    private static void assertField(Reply reply, String field) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().at("/details/0/field").asText()).isEqualTo(field);
    }

    private Reply chat(String body) {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply;
    }

    private void insert(String channel, String user, String role, String content, Instant at) {
        jdbc.sql("INSERT INTO conversation_message (channel, user_id, role, content, created_at) VALUES (?, ?, ?, ?, ?)")
                .params(channel, user, role, content, at.atOffset(ZoneOffset.UTC)).update();
    }

    private long count(String user) {
        return jdbc.sql("SELECT COUNT(*) FROM conversation_message WHERE user_id = ?").param(user)
                .query(Long.class).single();
    }

    @TestConfiguration
    static class Recording {
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        RecordingEngine recordingEngine() {
            return new RecordingEngine(new DjlEngine());
        }
    }

    /** The real DJL engine, with a record of the messages each generation was given. */
    static final class RecordingEngine implements InferenceEngine {
        private final InferenceEngine real;
        private final List<List<ChatMessage>> calls = new CopyOnWriteArrayList<>();
        /** When set, a generation counts {@code entered} down and waits for {@code proceed}. */
        volatile CountDownLatch entered;
        volatile CountDownLatch proceed;

        RecordingEngine(InferenceEngine real) {
            this.real = real;
        }

        List<ChatMessage> lastMessages() {
            return calls.get(calls.size() - 1);
        }

        @Override
        public String name() {
            return "recording " + real.name();
        }

        @Override
        public boolean supports(Path modelDir) {
            return real.supports(modelDir);
        }

        @Override
        public LanguageModel load(Path modelDir) throws IOException {
            return new ForwardingLanguageModel(real.load(modelDir)) {
                @Override
                public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline) {
                    calls.add(List.copyOf(messages));
                    CountDownLatch hold = proceed;
                    if (hold != null) {
                        entered.countDown();
                        try {
                            assertThat(hold.await(30, TimeUnit.SECONDS)).isTrue();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return model.generate(messages, params, deadline);
                }
            };
        }
    }
}
