package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import com.cryptomaltese.gateway.engine.djl.HeldEngineConfiguration;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * gateway.chat.max-queued over the API, with TinyStories-260K on the real DJL engine held in its
 * generation: the chats admitted all reach the engine while every other request is still answered at
 * once (Spring's default of 8 request threads let 8 waiting chats hold up /health), one more chat is
 * told the model is busy, and the places come back when chats end, streamed ones abandoned included.
 */
@CamelSpringBootTest
@Import(HeldEngineConfiguration.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + ChatAdmissionTest.DATA,
        "gateway.security.api-keys=" + TestApi.USER_KEY, "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.chat.max-queued=" + ChatAdmissionTest.MAX_QUEUED})
class ChatAdmissionTest {

    static final String DATA = "target/test-data/chat-admission";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    /** More than Spring's default pool of 8 request threads. */
    static final int MAX_QUEUED = 10;
    static final String CHAT = "{\"message\": \"Once upon a time\", "
            + "\"parameters\": {\"do_sample\": false, \"max_length\": 30, \"repetition_penalty\": 1.0}";

    static {
        StoriesModel.linkInto(DATA_DIR);
    }

    @LocalServerPort
    int port;
    @Autowired
    HeldDjlEngine engine;
    TestApi api;

    @BeforeEach
    void loaded() {
        api = new TestApi(port);
        StoriesModel.loadOverApi(api);
    }

    @AfterEach
    void release() {
        engine.generateProceed.countDown();
        engine.afterFirstPiece.countDown();
    }

    @Test
    void theAdmittedChatsWaitForTheModelWhileOtherRequestsAreAnsweredAndOneMoreIsToldItIsBusy() throws Exception {
        engine.generateEntered = new CountDownLatch(MAX_QUEUED);
        engine.generateProceed = new CountDownLatch(1);
        List<CompletableFuture<Reply>> chats = new ArrayList<>();
        for (int i = 0; i < MAX_QUEUED; i++) {
            chats.add(CompletableFuture.supplyAsync(() -> api.post("/api/v1/chat", TestApi.USER_KEY, CHAT + "}")));
        }
        assertThat(engine.generateEntered.await(30, TimeUnit.SECONDS)).as("every admitted chat reached the engine").isTrue();

        Reply busy = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT + "}");
        assertThat(busy.status()).as(busy.body()).isEqualTo(503);
        assertThat(busy.json().get("message").asText()).startsWith("the model is busy: " + MAX_QUEUED + " chats");
        assertThat(busy.header("Retry-After")).isEqualTo("2");
        Reply busyStream = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT + ", \"stream\": true}");
        assertThat(busyStream.status()).isEqualTo(503);

        assertThat(api.get("/api/v1/health", null).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/models", TestApi.USER_KEY).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/admin/system-status", TestApi.ADMIN_KEY).status()).isEqualTo(200);
        assertThat(chats).as("answered while the chats were still held").noneMatch(CompletableFuture::isDone);

        engine.generateProceed.countDown();
        for (CompletableFuture<Reply> chat : chats) {
            Reply reply = chat.get(60, TimeUnit.SECONDS);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("response").asText()).isEqualTo(StoriesModel.GREEDY);
        }
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, CHAT + "}").status()).isEqualTo(200);
    }

    /** A refused chat (400) and streams their clients abandoned give their places back. */
    @Test
    void placesComeBackFromRefusedChatsAndAbandonedStreams() throws Exception {
        for (int i = 0; i <= MAX_QUEUED; i++) {
            assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"\"}").status()).isEqualTo(400);
        }
        for (int i = 0; i <= MAX_QUEUED; i++) {
            engine.afterFirstPiece = new CountDownLatch(1);
            HttpResponse<InputStream> stream = api.postStreaming("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"Once upon a time\", \"stream\": true, \"parameters\": {\"max_length\": 400}}");
            assertThat(stream.statusCode()).as("stream " + i).isEqualTo(200);
            try (EventStreamReader events = new EventStreamReader(stream.body())) {
                assertThat(events.next().name()).isEqualTo("token");
            }
            engine.afterFirstPiece.countDown();
            assertThat(engine.streamEnds.poll(30, TimeUnit.SECONDS)).isEqualTo("Closed");
        }
        // The last place comes back once the server has noticed the closed connection.
        await().atMost(Duration.ofSeconds(30)).until(() -> api.post("/api/v1/chat", TestApi.USER_KEY, CHAT + "}").status() == 200);
    }
}
