package com.cryptomaltese.gateway.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.engine.ChatMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Conversation memory per (channel, user): the last turns, as long as the conversation has not
 * been idle past the timeout. Message text lives only in the database, never in the logs.
 */
@Component
public class Conversations {

    private static final Logger log = LoggerFactory.getLogger(Conversations.class);

    /** One stored message. */
    public record Turn(String role, String content, Instant createdAt) {
    }

    private final JdbcClient jdbc;
    private final GatewayProperties.Conversations settings;
    private final Clock clock = Clock.systemUTC();

    Conversations(JdbcClient jdbc, GatewayProperties properties) {
        this.jdbc = jdbc;
        this.settings = properties.conversations();
    }

    /**
     * The conversation so far, oldest first: at most {@code max-turns} exchanges, and only those
     * after the last pause longer than the idle timeout (a pause starts a new conversation).
     */
    public List<ChatMessage> recent(String channel, String userId) {
        List<Turn> newestFirst = jdbc.sql("""
                        SELECT role, content, created_at FROM conversation_message
                        WHERE channel = ? AND user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?""")
                .params(channel, userId, 2 * settings.maxTurns())
                .query((rs, row) -> new Turn(rs.getString("role"), rs.getString("content"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                .list();
        List<ChatMessage> messages = new ArrayList<>();
        Instant after = clock.instant();
        for (Turn turn : newestFirst) {
            if (Duration.between(turn.createdAt(), after).compareTo(settings.idleTimeout()) > 0) {
                break;
            }
            messages.add(new ChatMessage(turn.role(), turn.content()));
            after = turn.createdAt();
        }
        Collections.reverse(messages);
        // A conversation starts with the user: drop a leading reply left without its question.
        if (!messages.isEmpty() && !messages.get(0).role().equals("user")) {
            messages.remove(0);
        }
        return messages;
    }

    @Transactional
    public void append(String channel, String userId, String userMessage, String reply) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        insert(channel, userId, "user", userMessage, now);
        insert(channel, userId, "assistant", reply, now.plusMillis(1));
    }

    private void insert(String channel, String userId, String role, String content, Instant at) {
        jdbc.sql("INSERT INTO conversation_message (channel, user_id, role, content, created_at) VALUES (?, ?, ?, ?, ?)")
                .params(channel, userId, role, content, at.atOffset(ZoneOffset.UTC)).update();
    }

    /** Forgets the conversation (the /reset of a channel, or reset: true). */
    public int forget(String channel, String userId) {
        return jdbc.sql("DELETE FROM conversation_message WHERE channel = ? AND user_id = ?")
                .params(channel, userId).update();
    }

    /** Everything stored about a user, oldest first: the right of access. */
    public List<Turn> export(String channel, String userId) {
        return jdbc.sql("""
                        SELECT role, content, created_at FROM conversation_message
                        WHERE channel = ? AND user_id = ? ORDER BY created_at, id""")
                .params(channel, userId)
                .query((rs, row) -> new Turn(rs.getString("role"), rs.getString("content"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                .list();
    }

    /** The retention job of routes/schedules.yaml. */
    public int purgeExpired() {
        Instant cutoff = clock.instant().minus(settings.retention());
        int deleted = jdbc.sql("DELETE FROM conversation_message WHERE created_at < ?")
                .param(cutoff.atOffset(ZoneOffset.UTC)).update();
        log.info("Conversation retention purge deleted {} messages older than {}", deleted, settings.retention());
        return deleted;
    }
}
