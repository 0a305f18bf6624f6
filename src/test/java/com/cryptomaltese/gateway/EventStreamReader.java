package com.cryptomaltese.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Reads a {@code text/event-stream} body as its specification defines it (field lines; a blank line
 * ends an event) and refuses lines it does not define, with each event's data read as JSON (but for
 * OpenAI's closing {@code [DONE]}, kept as text).
 */
public final class EventStreamReader implements AutoCloseable {

    public record Event(String name, JsonNode data) {
    }

    public static final String OPENAI_END = "[DONE]";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedReader lines;

    public EventStreamReader(InputStream body) {
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** Every event of {@code body}, read to its end. */
    public static List<Event> readAll(InputStream body) throws IOException {
        try (EventStreamReader reader = new EventStreamReader(body)) {
            return reader.rest();
        }
    }

    /** The text of the {@code token} events, in order. */
    public static String tokenText(List<Event> events) {
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.name().equals("token")).forEach(e -> text.append(e.data().get("text").asText()));
        return text.toString();
    }

    /** The next event, or null at the end of the stream. */
    public Event next() throws IOException {
        String name = "message";
        StringBuilder data = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isEmpty()) {
                if (data != null) {
                    String text = data.toString();
                    // OpenAI's streams end with the data [DONE], the one data that is not JSON.
                    return new Event(name, text.equals(OPENAI_END) ? TextNode.valueOf(text) : JSON.readTree(text));
                }
            } else if (line.startsWith("event: ")) {
                name = line.substring("event: ".length());
            } else if (line.startsWith("data: ")) {
                data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring("data: ".length()));
            } else {
                throw new AssertionError("not an event stream line: " + line);
            }
        }
        assertThat(data).as("an event cut off by the end of the stream").isNull();
        return null;
    }

    /** The events left, read to the end of the stream. */
    public List<Event> rest() throws IOException {
        List<Event> events = new ArrayList<>();
        for (Event event = next(); event != null; event = next()) {
            events.add(event);
        }
        return events;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
