package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** POST /api/v1/chat before a model is loaded: validation, limits, and the 503 that tells what to do. */
class ChatApiTest extends ApiTestBase {

    private static final int MAX_MESSAGE = 32768;
    private static final int MAX_BODY = 256 * 1024;

    @Test
    void withoutALoadedModelChatIs503AndSaysHowToLoadOne() {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"Hello\"}");
        assertError(reply, 503, "no model is loaded");
        assertThat(reply.json().get("message").asText()).contains("POST /api/v1/models/{model_id}/load");
    }

    @Test
    void aMessageOfExactlyTheLimitIsAccepted() {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + "a".repeat(MAX_MESSAGE) + "\"}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(503);
    }

    /** The limit counts characters as people do: an emoji (two UTF-16 units) is one. */
    @Test
    void theLimitCountsEmojiAsOneCharacterEach() {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + "😀".repeat(MAX_MESSAGE) + "\"}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(503);
    }

    @Test
    void aMessageOneCharacterOverTheLimitIs400() {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + "a".repeat(MAX_MESSAGE + 1) + "\"}");
        assertError(reply, 400, "message is longer than 32768 characters");
        assertThat(reply.json().at("/details/0/field").asText()).isEqualTo("message");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{}                                                                  | message",
            "{\"message\": \"\"}                                                 | message",
            "{\"message\": \"  \\n \"}                                           | message",
            "{\"message\": \"hi\", \"model_id\": \"../etc\"}                     | model_id",
            "{\"message\": \"hi\", \"parameters\": {\"top_p\": 1.01}}           | parameters.top_p",
            "{\"message\": \"hi\", \"parameters\": {\"temperature\": -0.01}}    | parameters.temperature",
            "{\"message\": \"hi\", \"parameters\": {\"max_length\": 2049}}      | parameters.max_length",
            "{\"message\": \"hi\", \"parameters\": {\"num_beams\": 0}}          | parameters.num_beams",
            "{\"message\": \"hi\", \"parameters\": {\"repetition_penalty\": 0}} | parameters.repetition_penalty",
            "{\"message\": \"hi\", \"parameters\": {\"early_stopping\": \"no\"}} | parameters.early_stopping",
            "{\"message\": \"hi\", \"stream\": \"yes\"}                          | stream",
            "{\"message\": \"hi\", \"user_id\": \"1001\", \"channel\": \"telegram\"}   | channel",
            "{\"message\": \"hi\", \"user_id\": \"a@b.c\", \"channel\": \"mail\"}      | channel",
            "not json                                                            | body"})
    void invalidRequestsAre400NamingTheField(String body, String field) {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().get("status").asText()).isEqualTo("error");
        assertThat(reply.json().at("/details/0/field").asText()).isEqualTo(field);
        assertThat(reply.json().get("message").asText()).contains(field);
    }

    @Test
    void aBodyOverTheLimitIs413BeforeItIsRead() {
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + "a".repeat(MAX_BODY) + "\"}");
        assertError(reply, 413, "request body too large: the limit is 262144 bytes");
    }

    /** The limit holds however the path is spelled: /%61pi and /api;x reach the chat route too. */
    @ParameterizedTest
    @ValueSource(strings = {"/%61pi/v1/chat", "/api;x/v1/chat", "/api/v1/%63hat"})
    void aBodyOverTheLimitIs413OnEverySpellingOfThePath(String path) {
        Reply reply = api.post(path, TestApi.USER_KEY, "{\"message\": \"" + "a".repeat(MAX_BODY) + "\"}");
        assertError(reply, 413, "request body too large");
    }

    @Test
    void aChunkedBodyOverTheLimitIs413Too() {
        byte[] body = ("{\"message\": \"" + "a".repeat(MAX_BODY) + "\"}").getBytes();
        // ofInputStream has no length, so the client sends it chunked, without Content-Length.
        Reply reply = api.send(api.request("/api/v1/chat", TestApi.USER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
        assertError(reply, 413, "request body too large");
    }

    @Test
    void aBodyJustUnderTheLimitIsRead() {
        String padding = "a".repeat(MAX_BODY - 100);
        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\", \"x\": \"" + padding + "\"}");
        // Read and refused for its unknown field, not for its size.
        assertError(reply, 400, "x is not a known field");
    }

    @Test
    void otherContentTypesAre415() {
        Reply reply = api.send(api.request("/api/v1/chat", TestApi.USER_KEY)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello")));
        assertError(reply, 415, "send application/json");
    }

    @Test
    void getOnChatIs405() {
        assertError(api.get("/api/v1/chat", TestApi.USER_KEY), 405, "method not allowed");
    }
}
