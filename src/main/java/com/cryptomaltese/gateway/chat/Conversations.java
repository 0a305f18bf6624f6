package com.cryptomaltese.gateway.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.engine.ChatMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Conversation memory per (channel, user, thread): the last turns, as long as the conversation has not
 * been idle past the timeout. Message text lives only in the database, never in the logs.
 */
@Component
public class Conversations {

    private static final Logger log = LoggerFactory.getLogger(Conversations.class);

    /** One stored message, in the user's conversation {@code thread} ("" for the default one). */
    public record Turn(String thread, String role, String content, Instant createdAt) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final GatewayProperties.Conversations settings;
    private final Clock clock = Clock.systemUTC();
    /** Erasures per user since start: a chat compares them before and after it ran. */
    private final Map<String, Long> erasures = new ConcurrentHashMap<>();

    Conversations(JdbcClient jdbc, TransactionTemplate transactions, GatewayProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.settings = properties.conversations();
    }

    /**
     * The conversation so far, oldest first: at most {@code max-turns} exchanges, and only those
     * after the last pause longer than the idle timeout (a pause starts a new conversation).
     */
    public List<ChatMessage> recent(ConversationKey key) {
        List<Turn> newestFirst = jdbc.sql("""
                        SELECT thread, role, content, created_at FROM conversation_message
                        WHERE channel = ? AND user_id = ? AND thread = ? ORDER BY created_at DESC, id DESC LIMIT ?""")
                .params(key.channel(), key.userId(), key.thread(), 2 * settings.maxTurns())
                .query(Conversations::turn)
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

    /** Where the user's erasures stand; a chat takes it when it begins and gives it back to {@link #store}. */
    public long erasureMark(ConversationKey key) {
        return erasures.getOrDefault(user(key.channel(), key.userId()), 0L);
    }

    /**
     * Stores one exchange, forgetting the conversation first if the chat asked for a reset (only now
     * that it was answered: a refused chat forgets nothing). Nothing is stored when the user was
     * erased since {@code mark}: an erasure wins over a chat that was running when it came.
     *
     * @return whether the exchange was stored
     */
    public synchronized boolean store(ConversationKey key, long mark, boolean reset, String userMessage, String reply) {
        if (erasureMark(key) != mark) {
            log.info("A chat that ended after its user's erasure was not stored");
            return false;
        }
        // Committed before the monitor is let go, so an erasure cannot run between the check and the commit.
        transactions.executeWithoutResult(status -> {
            if (reset) {
                forget(key);
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            insert(key, "user", userMessage, now);
            insert(key, "assistant", reply, now.plusMillis(1));
        });
        return true;
    }

    private void insert(ConversationKey key, String role, String content, Instant at) {
        jdbc.sql("""
                        INSERT INTO conversation_message (channel, user_id, thread, role, content, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)""")
                .params(key.channel(), key.userId(), key.thread(), role, content, at.atOffset(ZoneOffset.UTC))
                .update();
    }

    /** Forgets one conversation (reset: true), leaving the user's others. */
    public int forget(ConversationKey key) {
        return forgetThread(key.channel(), key.userId(), key.thread());
    }

    /** Forgets the user's conversation {@code thread}: a channel's /reset. */
    public int forgetThread(String channel, String userId, String thread) {
        return jdbc.sql("DELETE FROM conversation_message WHERE channel = ? AND user_id = ? AND thread = ?")
                .params(channel, userId, thread).update();
    }

    /** Erases everything stored about a user, every conversation: the right of erasure. */
    public synchronized int erase(String channel, String userId) {
        int deleted = jdbc.sql("DELETE FROM conversation_message WHERE channel = ? AND user_id = ?")
                .params(channel, userId).update();
        // Counted once the delete is committed: a chat that took its mark before reads history the
        // erasure removed and stores nothing; one that takes it after reads none of it.
        erasures.merge(user(channel, userId), 1L, Long::sum);
        return deleted;
    }

    private static String user(String channel, String userId) {
        return channel + '\0' + userId;
    }

    /** Everything stored about a user, every conversation, oldest first: the right of access. */
    public List<Turn> export(String channel, String userId) {
        return jdbc.sql("""
                        SELECT thread, role, content, created_at FROM conversation_message
                        WHERE channel = ? AND user_id = ? ORDER BY created_at, id""")
                .params(channel, userId)
                .query(Conversations::turn)
                .list();
    }

    private static Turn turn(ResultSet rs, int row) throws SQLException {
        return new Turn(rs.getString("thread"), rs.getString("role"), rs.getString("content"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
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
