package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.EventStreamReader.Event;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The streamed Chat Completion's events as OpenAI's reference describes them and its Python client
 * reads them: unnamed data events, {@code [DONE]} at the end; a failure as {@code {"error": {...}}},
 * which the client raises, and no {@code [DONE]}. (OpenAiApiTest streams a real reply.)
 */
class OpenAiChunksTest {

    private final ApiJson json = new ApiJson();

    @Test
    void anEmptyReplyStillNamesItsRoleThenFinishes() throws IOException {
        ServerSentEvents events = new ServerSentEvents();
        OpenAiChunks chunks = OpenAiChunks.chat("chatcmpl-1", 1_764_200_000L, "org/model", false, json);
        chunks.done(events, new ChatResponse("", "org/model", GenerationSettings.NONE, "stop",
                new ChatResponse.Usage(7, 1), 0.1, Instant.now()));
        events.end();
        List<Event> read = EventStreamReader.readAll(events);

        assertThat(read).hasSize(3).allSatisfy(e -> assertThat(e.name()).isEqualTo("message"));
        JsonNode role = read.get(0).data();
        assertThat(role.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(role.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(role.at("/choices/0/delta/content").asText()).isEmpty();
        assertThat(role.at("/choices/0/finish_reason").isNull()).isTrue();
        JsonNode finish = read.get(1).data();
        assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.has("usage")).as("no usage unless asked for").isFalse();
        assertThat(read.get(2).data().asText()).isEqualTo(EventStreamReader.OPENAI_END);
    }

    @Test
    void aFailureAfterTheFirstPieceIsAnErrorObjectAndNoDone() throws IOException {
        ServerSentEvents events = new ServerSentEvents();
        OpenAiChunks chunks = OpenAiChunks.chat("chatcmpl-2", 1_764_200_000L, "org/model", true, json);
        chunks.piece(events, "Sun");
        chunks.failed(events, new ApiException(504, "generation deadline of 60 s passed", List.of(), null));
        events.end();
        List<Event> read = EventStreamReader.readAll(events);

        assertThat(read).hasSize(2);
        assertThat(read.get(0).data().at("/choices/0/delta/content").asText()).isEqualTo("Sun");
        JsonNode error = read.get(1).data().get("error");
        assertThat(error.get("message").asText()).isEqualTo("generation deadline of 60 s passed");
        assertThat(error.get("type").asText()).isEqualTo("server_error");
        assertThat(error.get("code").asInt()).isEqualTo(504);
        assertThat(error.get("param").isNull()).isTrue();
    }
}
