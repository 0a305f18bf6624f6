package com.cryptomaltese.gateway.channel;

/**
 * One Telegram update as the route sees it: who wrote where, what was asked, and what to do.
 *
 * @param updateId the update's id in getUpdates, which names a reply still owed after a failed send
 * @param action   what the route does: {@link Action}
 * @param command  for {@link Action#COMMAND}: the command without slash and @bot suffix ("reset")
 * @param text     the message text addressed to the bot (mention removed), or null
 */
public record TelegramTurn(long updateId, Action action, String chatId, Long messageId, String userId,
                           String command, String text) {

    public enum Action {
        /** Not for us: a group message not addressed to the bot, an edit, a service message. */
        IGNORE,
        /** Text for the model. */
        CHAT,
        /** A /command addressed to this bot. */
        COMMAND,
        /** A photo, sticker, voice… addressed to the bot. */
        NON_TEXT
    }
}
