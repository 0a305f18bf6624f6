package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.EventStreamReader.Event;
import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import com.cryptomaltese.gateway.engine.djl.HeldEngineConfiguration;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * {@code "stream": true} on /api/v1/chat with the trained TinyStories-260K on the real DJL engine:
 * the pieces add up to transformers' greedy text (../shared/models/PROVENANCE.md) and reach the client
 * while the model is still generating (the engine is held after its first piece, so no timing is
 * guessed); refusals before the first piece keep their status; a failure or a client going away
 * after it keeps nothing of the turn.
 */
@CamelSpringBootTest
@Import(HeldEngineConfiguration.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + ChatStreamApiTest.DATA,
        "gateway.security.api-keys=" + TestApi.USER_KEY, "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.chat.deadline=" + ChatStreamApiTest.DEADLINE_SECONDS + "s",
        "logging.level.com.cryptomaltese.gateway.api.ResponseWriteFailures=DEBUG"})
class ChatStreamApiTest {

    static final String DATA = "target/test-data/chat-stream";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String MODEL = "/api/v1/models/karpathy%2Fstories260K";
    static final String STORIES_GREEDY = StoriesModel.GREEDY;
    static final String GREEDY_30 = "\"parameters\": {\"do_sample\": false, \"max_length\": 30, \"repetition_penalty\": 1.0}";
    /** Long enough for every unheld chat here on a slow machine; the deadline test waits it out once. */
    static final int DEADLINE_SECONDS = 10;

    static {
        StoriesModel.linkInto(DATA_DIR);
    }

    @LocalServerPort
    int port;
    @Autowired
    HeldDjlEngine engine;
    @Autowired
    MeterRegistry meters;
    TestApi api;

    @BeforeEach
    void loaded() {
        api = new TestApi(port);
        engine.afterFirstPiece = new CountDownLatch(0);
        engine.streamEnds.clear();
        StoriesModel.loadOverApi(api);
    }

    @AfterEach
    void release() {
        engine.afterFirstPiece.countDown();
    }

    @Test
    void theStreamedPiecesAddUpToTransformersGreedyTextAndEndWithTheUsualReply() throws Exception {
        HttpResponse<InputStream> response = stream("{\"message\": \"Once upon a time\", \"stream\": true, " + GREEDY_30 + "}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(response.headers().firstValue("X-Accel-Buffering")).hasValue("no");
        List<Event> events = readAll(response);

        List<Event> tokens = events.subList(0, events.size() - 1);
        assertThat(tokens).allSatisfy(e -> assertThat(e.name()).isEqualTo("token"));
        // One piece per token here: every token of this reply ends on a whole character.
        assertThat(tokens).hasSize(30);
        assertThat(EventStreamReader.tokenText(tokens)).isEqualTo(STORIES_GREEDY);
        Event done = events.get(events.size() - 1);
        assertThat(done.name()).isEqualTo("done");
        assertThat(done.data().get("response").asText()).isEqualTo(STORIES_GREEDY);
        assertThat(done.data().get("finish_reason").asText()).isEqualTo("length");
        assertThat(done.data().at("/usage/prompt_tokens").asInt()).isEqualTo(5);
        assertThat(done.data().at("/usage/completion_tokens").asInt()).isEqualTo(30);
        assertThat(done.data().get("model_id").asText()).isEqualTo("karpathy/stories260K");
    }

    /** The first piece is read by the client while the engine is held right after handing it on. */
    @Test
    void piecesReachTheClientWhileTheModelIsStillGenerating() throws Exception {
        engine.firstPieceSent = new CountDownLatch(1);
        engine.afterFirstPiece = new CountDownLatch(1);
        HttpResponse<InputStream> response = stream("{\"message\": \"Once upon a time\", \"stream\": true, " + GREEDY_30 + "}");
        try (EventStreamReader reader = new EventStreamReader(response.body())) {
            Event first = reader.next();
            assertThat(first.name()).isEqualTo("token");
            assertThat(first.data().get("text").asText()).isEqualTo(",");
            assertThat(engine.streamEnds).as("the generation is still under way").isEmpty();
            assertThat(engine.streamedPieces.get()).isEqualTo(1);

            engine.afterFirstPiece.countDown();
            List<Event> rest = reader.rest();
            assertThat(rest.get(rest.size() - 1).data().get("response").asText()).isEqualTo(STORIES_GREEDY);
        }
    }

    @Test
    void aClientThatGoesAwayEndsTheGenerationAndTheTurnIsNotKept() throws Exception {
        engine.firstPieceSent = new CountDownLatch(1);
        engine.afterFirstPiece = new CountDownLatch(1);
        Counter gone = meters.counter("maltese.chat.failures", "channel", "api", "status", "499");
        double goneBefore = gone.count();
        HttpResponse<InputStream> response = stream("{\"message\": \"Once upon a time\", \"stream\": true, "
                + "\"conversation_id\": \"leaver\", "
                + "\"parameters\": {\"do_sample\": false, \"max_length\": 400, \"repetition_penalty\": 1.0}}");
        try (EventStreamReader reader = new EventStreamReader(response.body())) {
            assertThat(reader.next().name()).isEqualTo("token");
        } // closing the body before its end closes the connection
        engine.afterFirstPiece.countDown();

        assertThat(engine.streamEnds.poll(30, TimeUnit.SECONDS)).isEqualTo("Closed");
        assertThat(engine.streamedPieces.get()).isLessThan(400);
        // Counted as nginx logs it: the client closed the request.
        await().atMost(Duration.ofSeconds(30)).until(() -> gone.count() == goneBefore + 1);
        // One debug line for the response that could not be written, no warning with a stack trace.
        await().atMost(Duration.ofSeconds(30)).until(() -> logged("debug.log", "the client went away"));
        assertThat(logged("warn.log", "/api/v1/chat")).isFalse();
        Reply kept = api.get("/api/v1/users/conversation/leaver", TestApi.ADMIN_KEY);
        assertThat(kept.status()).as(kept.body()).isEqualTo(200);
        assertThat(kept.json().get("messages")).isEmpty();
        // The model is free for the next chat.
        Reply next = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"Once upon a time\", " + GREEDY_30 + "}");
        assertThat(next.json().get("response").asText()).isEqualTo(STORIES_GREEDY);
    }

    /** The deadline passes while the engine is held after its first piece: a 504 can only be told in the stream. */
    @Test
    void aFailureAfterTheFirstPieceIsAnErrorEventAndTheTurnIsNotKept() throws Exception {
        engine.firstPieceSent = new CountDownLatch(1);
        engine.afterFirstPiece = new CountDownLatch(1);
        HttpResponse<InputStream> response = stream("{\"message\": \"Once upon a time\", \"stream\": true, "
                + "\"conversation_id\": \"late\", " + GREEDY_30 + "}");
        assertThat(response.statusCode()).isEqualTo(200);
        try (EventStreamReader reader = new EventStreamReader(response.body())) {
            assertThat(reader.next().name()).isEqualTo("token");
            Thread.sleep(Duration.ofSeconds(DEADLINE_SECONDS).toMillis()); // the deadline runs from the request
            engine.afterFirstPiece.countDown();
            List<Event> rest = reader.rest();
            Event last = rest.get(rest.size() - 1);
            assertThat(last.name()).isEqualTo("error");
            assertThat(last.data().get("status").asText()).isEqualTo("error");
            assertThat(last.data().get("message").asText())
                    .isEqualTo("generation deadline of " + DEADLINE_SECONDS + " s passed");
        }
        assertThat(api.get("/api/v1/users/conversation/late", TestApi.ADMIN_KEY).json().get("messages")).isEmpty();
    }

    @Test
    void aStreamedTurnIsKeptLikeAnyOther() throws Exception {
        List<Event> events = readAll(stream("{\"message\": \"Once upon a time\", \"stream\": true, "
                + "\"conversation_id\": \"kept\", " + GREEDY_30 + "}"));
        JsonNode messages = api.get("/api/v1/users/conversation/kept", TestApi.ADMIN_KEY).json().get("messages");
        assertThat(messages.findValuesAsText("content")).containsExactly("Once upon a time", STORIES_GREEDY);
        assertThat(events.get(events.size() - 1).data().get("response").asText()).isEqualTo(STORIES_GREEDY);
    }

    /** What an event-stream client sends (EventSource does), and what no operation answers. */
    @Test
    void acceptMayNameTheEventStream() throws Exception {
        HttpResponse<InputStream> response = api.http().send(api.request("/api/v1/chat", TestApi.USER_KEY)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\": \"Once upon a time\", \"stream\": true, "
                        + GREEDY_30 + "}")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(EventStreamReader.tokenText(readAll(response))).isEqualTo(STORIES_GREEDY);

        Reply html = api.send(api.request("/api/v1/chat", TestApi.USER_KEY).header("Content-Type", "application/json")
                .header("Accept", "text/html").POST(HttpRequest.BodyPublishers.ofString("{\"message\": \"hi\"}")));
        assertThat(html.status()).isEqualTo(406);
        assertThat(html.json().get("message").asText()).contains("application/json", "text/event-stream");
    }

    /** Beam search knows its reply only at the end: one piece, the whole text. */
    @Test
    void beamSearchStreamsItsReplyAsOnePiece() throws Exception {
        String request = "{\"message\": \"Once upon a time\", \"parameters\": {\"do_sample\": false, \"num_beams\": 3, "
                + "\"max_length\": 16, \"repetition_penalty\": 1.0}";
        String whole = api.post("/api/v1/chat", TestApi.USER_KEY, request + "}").json().get("response").asText();
        List<Event> events = readAll(stream(request + ", \"stream\": true}"));
        assertThat(events).extracting(Event::name).containsExactly("token", "done");
        assertThat(events.get(0).data().get("text").asText()).isEqualTo(whole);
        assertThat(events.get(1).data().get("response").asText()).isEqualTo(whole);
    }

    @Test
    void refusalsBeforeTheFirstPieceAreTheUsualJsonErrors() throws Exception {
        Reply invalid = api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"hi\", \"stream\": true, \"parameters\": {\"top_p\": 2}}");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().at("/details/0/field").asText()).isEqualTo("parameters.top_p");

        Reply tooLong = api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"" + "Once upon a time ".repeat(200) + "\", \"stream\": true}");
        assertThat(tooLong.status()).as(tooLong.body()).isEqualTo(400);
        assertThat(tooLong.header("Content-Type")).startsWith("application/json");
        assertThat(tooLong.json().at("/details/0/field").asText()).isEqualTo("message");

        assertThat(api.post(MODEL + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        Reply noModel = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\", \"stream\": true}");
        assertThat(noModel.status()).isEqualTo(503);
        assertThat(noModel.json().get("message").asText()).startsWith("no model is loaded");
    }

    private static boolean logged(String file, String text) throws IOException {
        Path log = DATA_DIR.resolve("logs").resolve(file);
        return Files.exists(log) && Files.readString(log).contains(text);
    }

    private HttpResponse<InputStream> stream(String body) {
        return api.postStreaming("/api/v1/chat", TestApi.USER_KEY, body);
    }

    private static List<Event> readAll(HttpResponse<InputStream> response) throws IOException {
        assertThat(response.statusCode()).isEqualTo(200);
        return EventStreamReader.readAll(response.body());
    }
}
