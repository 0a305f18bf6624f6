-- A user can hold several conversations at once: a Telegram user in a private chat and in groups,
-- a mail sender in several threads, an API user under several conversation ids. Each is a thread
-- of the same (channel, user), so access and erasure requests still find everything about a user.
ALTER TABLE conversation_message ADD COLUMN thread VARCHAR(200) DEFAULT '' NOT NULL;

-- Mail conversations were keyed "<sender> <thread root>" in user_id: split them.
UPDATE conversation_message
SET thread = SUBSTRING(user_id FROM POSITION(' ' IN user_id) + 1),
    user_id = SUBSTRING(user_id FROM 1 FOR POSITION(' ' IN user_id) - 1)
WHERE channel = 'mail' AND POSITION(' ' IN user_id) > 0;

DROP INDEX conversation_message_by_user;
CREATE INDEX conversation_message_by_thread ON conversation_message (channel, user_id, thread, created_at);
