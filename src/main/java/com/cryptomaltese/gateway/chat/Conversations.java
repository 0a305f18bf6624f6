package com.cryptomaltese.gateway.chat;

import org.springframework.stereotype.Component;

/**
 * Stand-in for the conversation memory on main, so the channel routes' /reset has its bean here.
 * Main's class replaces this one on merge.
 */
@Component
public class Conversations {

    /** Forgets the conversation of a channel user. The stand-in remembers nothing, so deletes nothing. */
    public void forget(String channel, String userId) {
    }
}
