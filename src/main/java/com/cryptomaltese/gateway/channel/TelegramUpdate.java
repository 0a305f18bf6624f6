package com.cryptomaltese.gateway.channel;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One getUpdates entry, reduced to what the Telegram route reads. {@code message} is null for
 * anything that is not a new message (an edit, a channel post, an entry that did not parse).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TelegramUpdate(@JsonProperty("update_id") long updateId, Message message) {

    /**
     * @param replyTo the message this one answers, when the user pressed "Reply" (one level deep)
     * @param other   the fields not named here: a photo, a sticker, or a service event (a pinned message)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Message(
            @JsonProperty("message_id") Long messageId,
            User from,
            Chat chat,
            String text,
            String caption,
            List<Entity> entities,
            @JsonProperty("caption_entities") List<Entity> captionEntities,
            @JsonProperty("reply_to_message") Message replyTo,
            @JsonAnySetter Map<String, Object> other) {

        /** What a person sends that is not text (Bot API "Message" fields); anything else text-less is a service event. */
        private static final Set<String> CONTENT = Set.of("photo", "sticker", "voice", "video", "video_note", "audio",
                "document", "animation", "location", "venue", "contact", "poll", "dice", "game", "story");

        /** Whether a person sent something: text, a caption, or content of another kind (not a service event). */
        public boolean sentByPerson() {
            return text != null || caption != null || (other != null && other.keySet().stream().anyMatch(CONTENT::contains));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(long id, @JsonProperty("is_bot") boolean bot, String username) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Chat(long id, String type) {
    }

    /** A marked span of a message's text, such as a {@code mention} of "@somebot". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entity(String type, Integer offset, Integer length) {
    }
}
