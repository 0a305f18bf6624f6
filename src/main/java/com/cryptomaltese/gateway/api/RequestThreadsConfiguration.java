package com.cryptomaltese.gateway.api;

import com.cryptomaltese.gateway.GatewayProperties;
import org.springframework.boot.task.ThreadPoolTaskExecutorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The threads Camel's REST routes run on (Spring's application task executor, which the platform-http
 * engine hands every request to). Spring's default is 8 threads and an unbounded queue: eight chats
 * waiting for the model held all of them, and every other request, {@code /health} included, queued
 * behind the chats (16 s for a health check behind 24 short chats here). The pool holds the chats the
 * API admits ({@link ChatAdmission}) and as many again for everything else; idle threads end after a
 * minute.
 */
@Configuration(proxyBeanMethods = false)
class RequestThreadsConfiguration {

    /** Threads beyond the admitted chats, for every other request. */
    static final int OTHER_REQUESTS = 32;

    /** An operator's larger spring.task.execution.pool sizes are kept; smaller ones are raised. */
    @Bean
    ThreadPoolTaskExecutorCustomizer requestThreads(GatewayProperties properties) {
        int needed = properties.chat().maxQueued() + OTHER_REQUESTS;
        return executor -> {
            int threads = Math.max(needed, executor.getCorePoolSize());
            executor.setMaxPoolSize(Math.max(threads, executor.getMaxPoolSize()));
            executor.setCorePoolSize(threads);
            executor.setAllowCoreThreadTimeOut(true);
        };
    }
}
