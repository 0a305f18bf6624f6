package com.cryptomaltese.gateway.channel;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads an incoming Telegram update: is it addressed to the bot, and is it text, a command or
 * something else. Private chats address the bot with every message; groups by an @mention, a
 * command suffixed with the bot's name, or a reply to one of the bot's messages.
 */
final class TelegramUpdates {

    private TelegramUpdates() {
    }

    /** @param botUsername the bot's username without "@"; asked only for group messages */
    static TelegramTurn read(TelegramUpdate update, Supplier<String> botUsername) {
        TelegramUpdate.Message message = update.message();
        if (message == null || message.chat() == null || message.from() == null || message.from().bot()) {
            return new TelegramTurn(update.updateId(), TelegramTurn.Action.IGNORE, null, null, null, null, null);
        }
        String chatId = String.valueOf(message.chat().id());
        String userId = String.valueOf(message.from().id());
        boolean privateChat = "private".equals(message.chat().type());
        boolean addressed = privateChat || repliesToBot(message, botUsername);
        String text = message.text();
        if (!message.sentByPerson()) {
            // A service event (a pinned message, an auto-delete timer): nothing to answer or refuse.
            return turn(update, TelegramTurn.Action.IGNORE, userId, null, null);
        }
        if (text == null) {
            addressed = addressed || mentions(message.caption(), message.captionEntities(), botUsername);
            return turn(update, addressed ? TelegramTurn.Action.NON_TEXT : TelegramTurn.Action.IGNORE, userId, null,
                    null);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("/")) {
            String word = trimmed.split("\\s+", 2)[0].substring(1);
            String command = word;
            int at = word.indexOf('@');
            if (at >= 0) {
                command = word.substring(0, at);
                if (!word.substring(at + 1).equalsIgnoreCase(botUsername.get())) {
                    return turn(update, TelegramTurn.Action.IGNORE, userId, null, null);
                }
            } else if (!addressed && !mentions(text, message.entities(), botUsername)) {
                // "/help" in a group may be meant for any bot there; only "/help@ourbot" is ours.
                return turn(update, TelegramTurn.Action.IGNORE, userId, null, null);
            }
            String rest = trimmed.length() > word.length() + 1 ? trimmed.substring(word.length() + 1).strip() : "";
            return turn(update, TelegramTurn.Action.COMMAND, userId, command.toLowerCase(Locale.ROOT), rest);
        }
        if (!privateChat && mentions(text, message.entities(), botUsername)) {
            addressed = true;
            trimmed = withoutMention(trimmed, botUsername.get());
        }
        if (!addressed || trimmed.isEmpty()) {
            return turn(update, TelegramTurn.Action.IGNORE, userId, null, null);
        }
        return turn(update, TelegramTurn.Action.CHAT, userId, null, trimmed);
    }

    private static TelegramTurn turn(TelegramUpdate update, TelegramTurn.Action action, String userId, String command,
                                     String text) {
        TelegramUpdate.Message message = update.message();
        return new TelegramTurn(update.updateId(), action, String.valueOf(message.chat().id()), message.messageId(),
                userId, command, text);
    }

    /** A reply to one of the bot's own messages (Telegram tells who wrote the message replied to). */
    static boolean repliesToBot(TelegramUpdate.Message message, Supplier<String> botUsername) {
        TelegramUpdate.Message original = message.replyTo();
        if (original == null || original.from() == null || !original.from().bot() || original.from().username() == null) {
            return false;
        }
        return original.from().username().equalsIgnoreCase(botUsername.get());
    }

    static boolean mentions(String text, List<TelegramUpdate.Entity> entities, Supplier<String> botUsername) {
        if (text == null || entities == null) {
            return false;
        }
        for (TelegramUpdate.Entity entity : entities) {
            if (entity != null && "mention".equals(entity.type()) && entity.offset() != null && entity.length() != null
                    && entity.offset() >= 0 && entity.length() >= 0
                    && entity.offset() + entity.length() <= text.length()) {
                String mention = text.substring(entity.offset(), entity.offset() + entity.length());
                String name = botUsername.get();
                if (name != null && mention.equalsIgnoreCase("@" + name)) {
                    return true;
                }
            }
        }
        return false;
    }

    static String withoutMention(String text, String botUsername) {
        if (botUsername == null) {
            return text;
        }
        return text.replaceAll("(?i)@" + Pattern.quote(botUsername) + "\\b", " ")
                .replaceAll("\\s{2,}", " ").strip();
    }
}
