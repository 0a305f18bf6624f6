package com.cryptomaltese.gateway.channel;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.apache.camel.component.telegram.model.IncomingMessage;
import org.apache.camel.component.telegram.model.IncomingMessageEntity;

/**
 * Reads an incoming Telegram message: is it addressed to the bot, and is it text, a command or
 * something else. Private chats address the bot with every message; groups only by an @mention or
 * a command suffixed with the bot's name (camel-telegram's message model carries no
 * reply_to_message, so a reply to the bot without mention is not recognised).
 */
final class TelegramUpdates {

    private TelegramUpdates() {
    }

    static TelegramTurn read(IncomingMessage message, Supplier<String> botUsername) {
        if (message == null || message.getChat() == null || message.getFrom() == null || message.getFrom().isBot()) {
            return new TelegramTurn(TelegramTurn.Action.IGNORE, null, null, null, null, null);
        }
        String chatId = message.getChat().getId();
        String userId = String.valueOf(message.getFrom().getId());
        boolean privateChat = "private".equals(message.getChat().getType());
        String text = message.getText();
        if (text == null) {
            boolean addressed = privateChat || mentions(message.getCaption(), message.getCaptionEntities(), botUsername);
            return new TelegramTurn(addressed ? TelegramTurn.Action.NON_TEXT : TelegramTurn.Action.IGNORE,
                    chatId, message.getMessageId(), userId, null, null);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("/")) {
            String word = trimmed.split("\\s+", 2)[0].substring(1);
            String command = word;
            int at = word.indexOf('@');
            if (at >= 0) {
                command = word.substring(0, at);
                if (!word.substring(at + 1).equalsIgnoreCase(botUsername.get())) {
                    return ignore(chatId, message, userId);
                }
            } else if (!privateChat && !mentions(text, message.getEntities(), botUsername)) {
                // "/help" in a group may be meant for any bot there; only "/help@ourbot" is ours.
                return ignore(chatId, message, userId);
            }
            String rest = trimmed.length() > word.length() + 1 ? trimmed.substring(word.length() + 1).strip() : "";
            return new TelegramTurn(TelegramTurn.Action.COMMAND, chatId, message.getMessageId(), userId,
                    command.toLowerCase(Locale.ROOT), rest);
        }
        if (!privateChat) {
            if (!mentions(text, message.getEntities(), botUsername)) {
                return ignore(chatId, message, userId);
            }
            trimmed = withoutMention(trimmed, botUsername.get());
        }
        if (trimmed.isEmpty()) {
            return ignore(chatId, message, userId);
        }
        return new TelegramTurn(TelegramTurn.Action.CHAT, chatId, message.getMessageId(), userId, null, trimmed);
    }

    private static TelegramTurn ignore(String chatId, IncomingMessage message, String userId) {
        return new TelegramTurn(TelegramTurn.Action.IGNORE, chatId, message.getMessageId(), userId, null, null);
    }

    static boolean mentions(String text, List<IncomingMessageEntity> entities, Supplier<String> botUsername) {
        if (text == null || entities == null) {
            return false;
        }
        for (IncomingMessageEntity entity : entities) {
            if ("mention".equals(entity.getType()) && entity.getOffset() != null && entity.getLength() != null
                    && entity.getOffset() + entity.getLength() <= text.length()) {
                String mention = text.substring(entity.getOffset(), entity.getOffset() + entity.getLength());
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
        return text.replaceAll("(?i)@" + java.util.regex.Pattern.quote(botUsername) + "\\b", " ")
                .replaceAll("\\s{2,}", " ").strip();
    }
}
