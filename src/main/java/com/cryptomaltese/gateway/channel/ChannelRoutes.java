package com.cryptomaltese.gateway.channel;

import com.cryptomaltese.gateway.model.ModelService;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Starts the channel routes whose settings are present. routes/telegram.yaml and routes/mail.yaml
 * declare {@code autoStartup: false}, so without a bot token nothing polls Telegram, and without
 * mail servers nothing polls IMAP; an operator sees the routes as stopped, not failing.
 */
@Component
class ChannelRoutes implements CamelContextConfiguration {

    static final String TELEGRAM_ROUTE = "telegram-updates";
    static final String MAIL_ROUTE = "mail-inbox";
    private static final Logger log = LoggerFactory.getLogger(ChannelRoutes.class);

    private final TelegramSettings telegram;
    private final MailSettings mail;
    private final ModelService models;

    ChannelRoutes(TelegramSettings telegram, MailSettings mail, ModelService models) {
        this.telegram = telegram;
        this.mail = mail;
        this.models = models;
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
    }

    /**
     * Once GATEWAY_DEFAULT_MODEL's load has ended: messages that waited through a restart are then
     * answered by the model, not told that it is loading (and confirmed as handled).
     */
    @Override
    public void afterApplicationStart(CamelContext camel) {
        models.startupLoadEnded().thenRun(() -> {
            start(camel, TELEGRAM_ROUTE, telegram.enabled(), "TELEGRAM_BOT_TOKEN is not set");
            start(camel, MAIL_ROUTE, mail.enabled(), "gateway.mail.imap-uri and gateway.mail.smtp-uri are not both set");
        });
    }

    private static void start(CamelContext camel, String routeId, boolean enabled, String whyNot) {
        if (camel.getRoute(routeId) == null) {
            log.warn("Channel route {} is not loaded (routes/*.yaml)", routeId);
            return;
        }
        if (!enabled) {
            log.info("Channel route {} stays stopped: {}", routeId, whyNot);
            return;
        }
        // After readiness (see afterApplicationStart): a route that cannot start is an error in the log,
        // with its cause, and the other channel starts all the same.
        try {
            camel.getRouteController().startRoute(routeId);
            log.info("Channel route {} started: {}", routeId, camel.getRouteController().getRouteStatus(routeId));
        } catch (Exception | Error e) {
            log.error("Channel route {} cannot start", routeId, e);
        }
    }
}
