package com.cryptomaltese.gateway.engine.exported;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the chat-API test of every exported format checks through the running gateway: the model
 * loads on its engine, answers transformers' greedy and beam-search replies of the fixture it was
 * exported from (golden.json), and is listed with its format and engine.
 */
public final class ExportedChatChecks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExportedChatChecks() {
    }

    /**
     * Loads {@code id}, checks its replies against the golden runs of the fixture {@code original}
     * and its listing, and unloads it.
     */
    public static void answersAsTransformers(TestApi api, String id, String original, String engine, String format)
            throws IOException {
        JsonNode golden = Goldens.golden(original);
        String path = "/api/v1/models/" + id.replace("/", "%2F");
        Reply load = api.post(path + "/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(load.json().get("engine").asText()).isEqualTo(engine);
        try {
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(golden,
                    "{\"do_sample\": false, \"max_length\": 32, \"repetition_penalty\": 1.0}"));
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(chat.json().get("finish_reason").asText()).isEqualTo("length");
            assertThat(chat.json().at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompts/chat/ids").size());
            assertThat(chat.json().at("/usage/completion_tokens").asInt()).isEqualTo(32);
            // Streamed, the pieces add up to the same text (random weights: byte tokens, partial characters).
            assertThat(streamedText(api, golden, "{\"do_sample\": false, \"max_length\": 32, \"repetition_penalty\": 1.0}"))
                    .isEqualTo(golden.at("/greedy/text_skip_special").asText());

            Reply beam = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(golden, "{\"do_sample\": false, "
                    + "\"num_beams\": 3, \"length_penalty\": 0.8, \"early_stopping\": true, \"max_length\": 16, "
                    + "\"repetition_penalty\": 1.0}"));
            assertThat(beam.status()).as(beam.body()).isEqualTo(200);
            assertThat(beam.json().get("response").asText()).isEqualTo(golden.at("/beam/text_skip_special").asText());

            JsonNode listed = listed(api, id);
            assertThat(listed.get("format").asText()).isEqualTo(format);
            assertThat(listed.get("status").asText()).isEqualTo("loaded");
            assertThat(listed.get("engine").asText()).isEqualTo(engine);
        } finally {
            assertThat(api.post(path + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
    }

    /** The text of the token events of a streamed chat, checked to end with a done event holding the same text. */
    private static String streamedText(TestApi api, JsonNode golden, String parametersJson) throws IOException {
        ObjectNode body = (ObjectNode) JSON.readTree(chatBody(golden, parametersJson));
        HttpResponse<InputStream> response = api.postStreaming("/api/v1/chat", TestApi.USER_KEY,
                body.put("stream", true).toString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<EventStreamReader.Event> events = EventStreamReader.readAll(response.body());
        String text = EventStreamReader.tokenText(events);
        assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
        assertThat(events.get(events.size() - 1).data().get("response").asText()).isEqualTo(text);
        return text;
    }

    /** The entry of {@code id} in GET /api/v1/models. */
    public static JsonNode listed(TestApi api, String id) {
        Reply list = api.get("/api/v1/models", TestApi.USER_KEY);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        for (JsonNode model : list.json().get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError(id + " not listed: " + list.body());
    }

    /** A chat request with the golden chat prompt's message and {@code parametersJson}. */
    public static String chatBody(JsonNode golden, String parametersJson) throws IOException {
        return JSON.createObjectNode().put("message", golden.at("/prompts/chat/messages/0/content").asText())
                .set("parameters", JSON.readTree(parametersJson)).toString();
    }
}
