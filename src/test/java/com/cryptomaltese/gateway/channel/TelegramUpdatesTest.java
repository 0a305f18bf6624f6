package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Which updates address the bot, read from the Bot API's own JSON shapes. */
class TelegramUpdatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Supplier<String> BOT = () -> "maltese_bot";
    private static final Supplier<String> NEVER_ASKED = () -> {
        throw new AssertionError("the bot's name was asked for a message that cannot concern it");
    };
    private static final TelegramUpdate.User USER = new TelegramUpdate.User(1001, false, "alice");
    private static final TelegramUpdate.User US = new TelegramUpdate.User(123456, true, "maltese_bot");
    private static final TelegramUpdate.User OTHER_BOT = new TelegramUpdate.User(777, true, "other_bot");
    private static final TelegramUpdate.Chat PRIVATE = new TelegramUpdate.Chat(1001, "private");
    private static final TelegramUpdate.Chat GROUP = new TelegramUpdate.Chat(-100777, "supergroup");

    @Test
    void privateChatsAddressTheBotWithEveryMessage() {
        TelegramTurn turn = read(message(PRIVATE, "Once upon a time", null, null), NEVER_ASKED);
        assertThat(turn.action()).isEqualTo(TelegramTurn.Action.CHAT);
        assertThat(turn.text()).isEqualTo("Once upon a time");
        assertThat(turn).extracting(TelegramTurn::updateId, TelegramTurn::chatId, TelegramTurn::messageId,
                TelegramTurn::userId).containsExactly(9L, "1001", 50L, "1001");
        assertThat(read(message(PRIVATE, "/model", null, null), NEVER_ASKED).command()).isEqualTo("model");
        assertThat(read(message(PRIVATE, null, null, null), NEVER_ASKED).action()).isEqualTo(TelegramTurn.Action.NON_TEXT);
    }

    @Test
    void groupChatterWithoutMentionOrReplyIsIgnoredWithoutAskingTheBotsName() {
        assertThat(read(message(GROUP, "Once upon a time", null, null), NEVER_ASKED).action())
                .isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(read(message(GROUP, "/help", null, null), NEVER_ASKED).action()).isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(read(message(GROUP, null, null, null), NEVER_ASKED).action()).isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(read(message(GROUP, "hi", null, reply(USER)), NEVER_ASKED).action())
                .as("a reply to a person").isEqualTo(TelegramTurn.Action.IGNORE);
    }

    @Test
    void groupsAddressTheBotByMentionCommandSuffixOrReplyToIt() {
        TelegramTurn mention = read(message(GROUP, "@maltese_bot Once upon a time",
                List.of(new TelegramUpdate.Entity("mention", 0, 12)), null), BOT);
        assertThat(mention.action()).isEqualTo(TelegramTurn.Action.CHAT);
        assertThat(mention.text()).isEqualTo("Once upon a time");

        TelegramTurn reply = read(message(GROUP, "And then?", null, reply(US)), BOT);
        assertThat(reply.action()).isEqualTo(TelegramTurn.Action.CHAT);
        assertThat(reply.text()).isEqualTo("And then?");

        assertThat(read(message(GROUP, "/reset", null, reply(US)), BOT).command()).isEqualTo("reset");
        assertThat(read(message(GROUP, "/help@Maltese_Bot", null, null), BOT).command()).isEqualTo("help");
        assertThat(read(message(GROUP, null, null, reply(US)), BOT).action()).isEqualTo(TelegramTurn.Action.NON_TEXT);
    }

    @Test
    void otherBotsAreNotUs() {
        assertThat(read(message(GROUP, "And then?", null, reply(OTHER_BOT)), BOT).action())
                .isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(read(message(GROUP, "/help@other_bot", null, reply(US)), BOT).action())
                .isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(read(message(GROUP, "@other_bot hi", List.of(new TelegramUpdate.Entity("mention", 0, 10)), null),
                BOT).action()).isEqualTo(TelegramTurn.Action.IGNORE);
        TelegramUpdate.Message fromBot = new TelegramUpdate.Message(50L, OTHER_BOT, PRIVATE, "hi", null, null, null, null,
                Map.of());
        assertThat(TelegramUpdates.read(new TelegramUpdate(9, fromBot), BOT).action()).isEqualTo(TelegramTurn.Action.IGNORE);
        assertThat(TelegramUpdates.read(new TelegramUpdate(9, null), BOT).action()).isEqualTo(TelegramTurn.Action.IGNORE);
    }

    @Test
    void theWireJsonKeepsReplyToMessageAndAnUnreadableEntryIsSkipped() throws Exception {
        TelegramUpdate update = TelegramBotApi.update(JSON.readTree("""
                {"update_id": 5001, "message": {"message_id": 7, "date": 1735689600,
                  "from": {"id": 1001, "is_bot": false, "first_name": "Alice", "language_code": "en"},
                  "chat": {"id": -100777, "type": "supergroup", "title": "A group"},
                  "text": "And then?",
                  "reply_to_message": {"message_id": 6, "date": 1735689500, "text": "Once upon a time…",
                    "from": {"id": 123456, "is_bot": true, "first_name": "Maltese", "username": "maltese_bot"},
                    "chat": {"id": -100777, "type": "supergroup", "title": "A group"}}}}"""));
        assertThat(update.updateId()).isEqualTo(5001);
        assertThat(update.message().replyTo().from()).isEqualTo(US);
        assertThat(TelegramUpdates.read(update, BOT).action()).isEqualTo(TelegramTurn.Action.CHAT);

        TelegramUpdate unreadable = TelegramBotApi.update(JSON.readTree("""
                {"update_id": 5002, "message": {"message_id": "seven", "chat": 12}}"""));
        assertThat(unreadable).isEqualTo(new TelegramUpdate(5002, null));
    }

    /** A service event in a private chat (the user pinned a message) is nobody's question: no "text only" refusal. */
    @Test
    void serviceEventsAreIgnoredAndContentOtherThanTextIsRefused() throws Exception {
        TelegramUpdate pinned = TelegramBotApi.update(JSON.readTree("""
                {"update_id": 5003, "message": {"message_id": 8, "date": 1735689600,
                  "from": {"id": 1001, "is_bot": false, "first_name": "Alice"},
                  "chat": {"id": 1001, "type": "private"},
                  "pinned_message": {"message_id": 7, "date": 1735689500, "text": "Once upon a time",
                    "chat": {"id": 1001, "type": "private"}}}}"""));
        assertThat(TelegramUpdates.read(pinned, NEVER_ASKED).action()).isEqualTo(TelegramTurn.Action.IGNORE);
        TelegramUpdate sticker = TelegramBotApi.update(JSON.readTree("""
                {"update_id": 5004, "message": {"message_id": 9, "date": 1735689600,
                  "from": {"id": 1001, "is_bot": false, "first_name": "Alice"},
                  "chat": {"id": 1001, "type": "private"},
                  "sticker": {"file_id": "CAAC", "file_unique_id": "u", "type": "regular", "width": 512, "height": 512}}}"""));
        assertThat(TelegramUpdates.read(sticker, NEVER_ASKED).action()).isEqualTo(TelegramTurn.Action.NON_TEXT);
    }

    private static TelegramTurn read(TelegramUpdate.Message message, Supplier<String> botUsername) {
        return TelegramUpdates.read(new TelegramUpdate(9, message), botUsername);
    }

    /** A text message, or without text a photo. */
    private static TelegramUpdate.Message message(TelegramUpdate.Chat chat, String text,
                                                  List<TelegramUpdate.Entity> entities, TelegramUpdate.Message replyTo) {
        Map<String, Object> photo = Map.of("photo", List.of(Map.of("file_id", "AgAD")));
        return new TelegramUpdate.Message(50L, USER, chat, text, null, entities, null, replyTo,
                text == null ? photo : Map.of());
    }

    private static TelegramUpdate.Message reply(TelegramUpdate.User author) {
        return new TelegramUpdate.Message(40L, author, GROUP, "an earlier message", null, null, null, null, Map.of());
    }

    /** Entries a Bot API never sends but a proxy might: without an update id they are left out, never read as id 0. */
    @Test
    void entriesWithoutAnUpdateIdAreLeftOut() throws Exception {
        List<TelegramUpdate> updates = TelegramBotApi.updates(JSON.readTree("""
                [{"update_id": 40, "message": {"message_id": "not a number"}}, 7, null, {"message": {}},
                 {"update_id": "41"}, {"update_id": 1.5}, {"update_id": 42}]"""));
        assertThat(updates).extracting(TelegramUpdate::updateId).containsExactly(40L, 42L);
    }
}
