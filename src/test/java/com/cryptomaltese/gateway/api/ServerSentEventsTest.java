package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The event format of the text/event-stream specification, and what closing does to the sender. */
class ServerSentEventsTest {

    @Test
    void eventsAreNamedDataLinesEndedByABlankLineThenTheStreamEnds() throws IOException {
        ServerSentEvents events = new ServerSentEvents();
        events.send("token", "{\"text\":\"a\\nb\"}".getBytes(StandardCharsets.UTF_8));
        events.send("done", "{}".getBytes(StandardCharsets.UTF_8));
        events.end();
        assertThat(new String(events.readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("event: token\ndata: {\"text\":\"a\\nb\"}\n\nevent: done\ndata: {}\n\n");
        assertThat(events.read()).isEqualTo(-1);
    }

    /** The web server's copy loop gets each event as soon as it is sent, not once the stream ends. */
    @Test
    void aReadReturnsWhatHasBeenSentWithoutWaitingForTheEnd() throws Exception {
        ServerSentEvents events = new ServerSentEvents();
        byte[] buffer = new byte[4096];
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return events.read(buffer, 0, buffer.length);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        events.send("token", "{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        int count = read.get(30, TimeUnit.SECONDS);
        assertThat(new String(buffer, 0, count, StandardCharsets.UTF_8)).isEqualTo("event: token\ndata: {\"text\":\"x\"}\n\n");
    }

    @Test
    void onceTheReaderHasClosedItSendingFails() {
        ServerSentEvents events = new ServerSentEvents();
        events.close();
        assertThatThrownBy(() -> events.send("token", new byte[] {'{', '}'})).isInstanceOf(ServerSentEvents.Closed.class);
    }
}
